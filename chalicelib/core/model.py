"""The base of the API's pydantic models, and what keeps a cold start from paying for all of them.

A cold start imports the models of the one capability whose route it serves (app.py imports none:
chalicelib/core/web.py), and one request uses a few of those (bench/cold_start.py measures both):
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
