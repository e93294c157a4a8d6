"""The National Public Service Portal (Cổng Dịch vụ công quốc gia): an adapter interface, a
registry of adapters, and the HTTP adapter of the contract in docs/integrations.md."""

from motcua.integrations.portal.base import (
    PortalAdapter,
    PortalError,
    adapter_get,
    adapter_register,
)

__all__ = ["PortalAdapter", "PortalError", "adapter_get", "adapter_register"]
