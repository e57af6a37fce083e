"""The staff console's АИИС КУЭ: edge agents and their meters, and АТС 80020 exports.

Public: `staff_api` (routes), `agents` (AgentAdmin) and `models`; `exports` and `export80020` are this
part's own.
"""
