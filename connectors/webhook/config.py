"""Settings of the generic webhook connector: where to write, how to read pushed events."""

from __future__ import annotations

from typing import Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field, SecretStr

from connectors.base import ConnectorConfig


class EntityRoute(BaseModel):
    """How one hub entity is written to the product."""

    model_config = ConfigDict(extra="forbid")

    path: str = Field(min_length=1, max_length=200,
                      description="Collection path under base_url, e.g. 'customers'.")
    method: Literal["PUT", "POST"] = Field(
        "PUT", description="PUT {path}/{key} (the key in the URL), or POST {path} with the "
                           "key in the body; either must create-or-update by that key.")
    response_id: str = Field("id", description="Dotted path of the record id in the answer.")


class WebhookConfig(ConnectorConfig):
    """Any product that POSTs JSON change events and accepts JSON writes.

    Inbound bodies are one event or a list of events (``events_path``); each event's
    id, entity, operation and record are found at the dotted paths given here. Both
    directions are signed with the generic scheme of ``hub.signing``.
    """

    base_url: AnyHttpUrl | None = Field(None, description="Where writes go; None: read-only.")
    secret: SecretStr | None = Field(
        None, description="Shared HMAC secret: verifies pushed events and signs writes.")
    token: SecretStr | None = Field(None, description="Bearer token sent with writes.")
    entities: dict[str, EntityRoute] = Field(
        default_factory=dict, description="Hub entity → how to write it; readable and "
                                          "writable entities are the keys.")
    entity_names: dict[str, str] = Field(
        default_factory=dict, description="The product's entity names → hub entity names, "
                                          "e.g. {'account': 'customer'}.")
    events_path: str | None = Field(None, description="Dotted path of a list of events in "
                                                      "the body; None: the body is one event.")
    event_id_path: str = "event_id"
    entity_path: str = "entity"
    op_path: str = "op"
    record_path: str = "record"
    remote_id_path: str = Field("id", description="Dotted path of the record id in the record.")
    occurred_at_path: str | None = "occurred_at"
    delete_ops: list[str] = Field(default_factory=lambda: ["delete", "deleted"],
                                  description="Operation names that mean a delete.")
