"""The base of every pydantic model of the package."""

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    """A model whose validator and serializer are built on its first use, not at import
    (``defer_build``): a function uses a few of the package's models, and building every one of them
    at import was about a third of a function's cold start (issue 16)."""

    model_config = ConfigDict(defer_build=True)
