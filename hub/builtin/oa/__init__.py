"""The reference OA: approval requests with approver chains, and work orders."""

from hub.builtin.oa.resources import make_oa
from hub.builtin.oa.routes import oa_routes

__all__ = ["make_oa", "oa_routes"]
