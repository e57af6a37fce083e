"""What a consumer sees of a meter on АИИС КУЭ, and connecting the service to a contract.

Public: `api` (routes), `reader` (AiisReader) and `models`; `contracts` and `periods` are this part's own.
"""
