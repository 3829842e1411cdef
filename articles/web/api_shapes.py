"""Schema objects of the JSON API: each response object is built through its shape, and the OpenAPI
document (articles.web.api_schema) is generated from the same shapes, so the two cannot drift.

A :class:`Shape` gives its JSON Schema (the OpenAPI 3.0 dialect: ``nullable``). :class:`Obj` also
builds the object: :meth:`Obj.build` takes exactly its fields as keyword arguments (TypeError naming
the missing or unknown ones), so a view cannot answer a field the document does not declare, nor omit
a required one. Values are not type-checked at build time (the suite's schemathesis run checks the
live responses against the document); only the keys, which is where the hand-written document drifted.
Query parameters: :func:`parameters_from_form` reads them off a Django form (the search filterset's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms


class Shape:
    def schema(self) -> dict:
        raise NotImplementedError


@dataclass(frozen=True)
class Scalar(Shape):
    """A JSON Schema leaf: ``{"type": ...}`` plus keywords (format, enum, minimum, description)."""

    type: str
    keywords: dict[str, Any] = field(default_factory=dict)

    def schema(self) -> dict:
        return {"type": self.type, **self.keywords}


def string(description: str = "", **keywords: Any) -> Scalar:
    return Scalar("string", {**keywords, **({"description": description} if description else {})})


def integer(description: str = "", **keywords: Any) -> Scalar:
    return Scalar("integer", {**keywords, **({"description": description} if description else {})})


def boolean(description: str = "") -> Scalar:
    return Scalar("boolean", {"description": description} if description else {})


@dataclass(frozen=True)
class Nullable(Shape):
    inner: Shape

    def schema(self) -> dict:
        return {**self.inner.schema(), "nullable": True}


@dataclass(frozen=True)
class Array(Shape):
    items: Shape
    description: str = ""

    def schema(self) -> dict:
        out = {"type": "array", "items": self.items.schema()}
        return {**out, "description": self.description} if self.description else out


@dataclass(frozen=True)
class Obj(Shape):
    """A JSON object with exactly ``fields`` (``optional`` ones may be left out). ``extra``: the shape of
    values under keys not listed (None: no other keys)."""

    fields: dict[str, Shape]
    optional: frozenset[str] = frozenset()
    extra: Shape | None = None
    description: str = ""

    def schema(self) -> dict:
        out: dict[str, Any] = {
            "type": "object",
            "required": [name for name in self.fields if name not in self.optional],
            "properties": {name: shape.schema() for name, shape in self.fields.items()},
            "additionalProperties": self.extra.schema() if self.extra else False,
        }
        return {**out, "description": self.description} if self.description else out

    def build(self, **values: Any) -> dict:
        """The object, keys in declaration order. TypeError when a required field is missing or an
        unknown one is given (unknown keys are allowed only with ``extra``)."""
        missing = [name for name in self.fields if name not in self.optional and name not in values]
        unknown = [name for name in values if name not in self.fields]
        if missing or (unknown and self.extra is None):
            raise TypeError(f"API object fields: missing {missing}, not in the schema {unknown}")
        out = {name: values[name] for name in self.fields if name in values}
        out.update({name: values[name] for name in unknown})
        return out


def parameter(name: str, shape: Shape, description: str) -> dict:
    """An OpenAPI query parameter. An empty value means "not given" (the filters ignore it), so it is
    allowed everywhere; arrays are repeated keys (?topic=a&topic=b)."""
    param = {
        "name": name,
        "in": "query",
        "required": False,
        "allowEmptyValue": True,
        "description": description,
        "schema": shape.schema(),
    }
    if isinstance(shape, Array):
        param.update(style="form", explode=True)
    return param


def _field_shape(form_field: forms.Field) -> Shape:
    """The schema of one form field's raw value (what the query string carries)."""
    if isinstance(form_field, forms.ModelMultipleChoiceField):
        return Array(string())
    if isinstance(form_field, forms.MultipleChoiceField):
        return Array(string(enum=[str(value) for value, _ in form_field.choices if value != ""]))
    if isinstance(form_field, forms.ChoiceField):
        return string(enum=[str(value) for value, _ in form_field.choices if value != ""])
    if isinstance(form_field, forms.DateField):
        return string(format="date")
    if isinstance(form_field, forms.IntegerField | forms.DecimalField):  # DecimalField: django-filter's NumberFilter
        # The tightest bounds (django-filter adds its own ±1e50 to NumberFilter's).
        lows = [v.limit_value for v in form_field.validators if getattr(v, "code", "") == "min_value"]
        highs = [v.limit_value for v in form_field.validators if getattr(v, "code", "") == "max_value"]
        bounds = {**({"minimum": int(max(lows))} if lows else {}), **({"maximum": int(min(highs))} if highs else {})}
        return integer(**bounds)
    return string()


def parameters_from_form(form: forms.Form, descriptions: dict[str, str]) -> list[dict]:
    """One query parameter per field of ``form``, in field order, its schema read off the field
    (choices, dates, numeric bounds); ``descriptions`` by name, else the field's label. KeyError-free:
    a field added to the form appears in the document with its label."""
    return [
        parameter(name, _field_shape(form_field), descriptions.get(name) or str(form_field.label or name))
        for name, form_field in form.fields.items()
    ]
