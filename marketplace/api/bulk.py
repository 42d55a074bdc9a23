"""Bulk requests (JSON items or CSV rows): each item validated like a single request, and a
result with a message per item."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from pydantic import BaseModel, ValidationError

from marketplace.domain.errors import ServiceError, validation_error
from marketplace.schemas.common import BulkItemResult, BulkResult


def _present(row: dict[str, str]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if v != ""}


def validate_items(
    model: type[BaseModel],
    items: list[Any] | None,
    rows: list[dict[str, str]] | None,
    csv_item: Callable[[dict[str, str]], dict[str, Any]] = _present,
) -> list[Any]:
    """Each JSON item (strict, exactly as a single request) or CSV row (text converted, then
    checked the same way; ``csv_item`` shapes a row, empty cells are absent) as ``model``, or
    the :class:`ServiceError` saying why it is not one."""
    out: list[Any] = []
    for raw in items if items is not None else rows:
        try:
            if items is not None:
                out.append(model.model_validate_json(json.dumps(raw), strict=True))
            else:
                out.append(model.model_validate(csv_item(raw), strict=False))
        except ValidationError as exc:
            out.append(validation_error(exc))
    return out


def result(outcomes: Iterable[tuple[int | None, ServiceError | None]], ok_message: str) -> BulkResult:
    """The answer to a bulk request: per item (in request order) its id or its error."""
    results = [
        BulkItemResult(index=i, ok=True, id=object_id, message=ok_message) if error is None
        else BulkItemResult(index=i, ok=False, code=error.code, message=error.message, details=error.details)
        for i, (object_id, error) in enumerate(outcomes)
    ]
    created = sum(r.ok for r in results)
    return BulkResult(created=created, failed=len(results) - created, results=results)
