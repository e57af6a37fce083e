"""Storage shared by the АИИС КУЭ parts: the `aiis` and `agents` tables and the stored day layout.

Imports no other part of `chalicelib.aiis`.
"""
