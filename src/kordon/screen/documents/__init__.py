"""The SRC's export verification of SNTs against the virtual warehouse (see docs/eaeu.md)."""

from kordon.screen.documents.context import (
    DocumentContext,
    UnknownProfile,
    build_document_context,
)
from kordon.screen.documents.verify import run_document_rules, verify_snt

__all__ = ["DocumentContext", "UnknownProfile", "build_document_context", "run_document_rules", "verify_snt"]
