"""The base of the API's pydantic models, and what keeps a cold start from paying for all of them.

Every cold start imports every capability's models (the routes name them), but one request uses a
few (bench/cold_start.py measures both):
- `defer_build`: pydantic builds a model's validator and serializer the first time the model is
  used, not when its class is defined. Validation itself is unchanged.
- The modules that define models do not use `from __future__ import annotations`: pydantic reads
  each field's type when the class is defined, and a postponed annotation is a string it must
  compile and evaluate again, which cost about a tenth of the import. A field's type must therefore
  be defined above the model that uses it.
"""

import pydantic
from pydantic import ConfigDict


class BaseModel(pydantic.BaseModel):
    model_config = ConfigDict(defer_build=True)
