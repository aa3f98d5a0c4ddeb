"""Prefect flows: thin orchestration over ``hub.sync``; no business logic lives here."""
