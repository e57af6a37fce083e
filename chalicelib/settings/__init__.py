"""Company settings in one place: a versioned document in DynamoDB with defaults in the repository."""
from .service import company, stored

__all__ = ["company", "stored"]
