"""Process settings from the environment (``TRADEHUB_*``).

hub.yaml (systems and pipelines) is loaded by ``hub.sync.hubconfig``; this module
holds only what a process needs before it reads any file: where its data lives and
which database it uses.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TRADEHUB_", extra="ignore")

    data_dir: Path = Field(Path(".tradehub"), description="Where SQLite files and logs live.")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the hub store; SQLite under data_dir if unset."
    )
    builtin_database_url: str | None = Field(
        None, description="SQLAlchemy URL for the reference CRM/ERP/OA; SQLite if unset."
    )
    admin_token: SecretStr = Field(SecretStr("dev-admin-token"),
                                   description="Bearer token for the hub's admin API.")
    builtin_token: SecretStr = Field(SecretStr("dev-builtin-token"),
                                     description="Bearer token the reference systems accept.")
    hub_file: Path = Field(Path("hub.yaml"), description="The systems and pipelines to run.")
    host: str = Field("127.0.0.1", description="Interface the hub API binds to.")
    port: int = Field(8000, ge=1, le=65535, description="Port of the hub API.")

    def store_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'hub.db'}"

    def builtin_url(self) -> str:
        return self.builtin_database_url or f"sqlite:///{self.data_dir / 'builtin.db'}"


@lru_cache
def get_settings() -> Settings:
    return Settings()
