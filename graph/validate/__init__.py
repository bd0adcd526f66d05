"""SHACL: validating graphs (``shacl``), a whole store (``store_checks``), the reports a version keeps (``reports``).

``validate_graph``, ``validate_many`` and ``ValidationReport`` are the names the shape tests use.
"""

from __future__ import annotations

from graph.validate.shacl import ResultRow, ValidationReport, validate_graph, validate_many

__all__ = ["ResultRow", "ValidationReport", "validate_graph", "validate_many"]
