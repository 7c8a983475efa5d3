"""The OpenAPI 3.1 document of an app's views.

:class:`OpenAPIGenerator` turns routes (a werkzeug rule, an HTTP method and
the :class:`~framework_api.operations.Operation` the binder made of the
view, or :func:`untyped_operation` made of an untyped one) into the
document, as a dict ready for JSON. The schemas come from the
same type hints the binder validates with, through msgspec
(``msgspec.json.schema_components``: Structs, dataclasses, attrs classes,
TypedDicts and everything msgspec decodes) or, for pydantic models, through
their own ``model_json_schema``; so the document cannot drift from what is
validated.

Every step is a method: to change how the document says one thing (the
``operationId``, the problem responses, a converter's schema), subclass the
generator and override that method.
"""

from __future__ import annotations

import collections.abc as cabc
import copy
import functools
import inspect
import re
import types
import typing as t

import msgspec
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Map, Rule
from werkzeug.routing.converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    NumberConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
)

from framework.views import MethodView

from .documentation import Documentation, documentation_of, security_requirements
from .operations import (
    BodySpec,
    Operation,
    ParamSpec,
    ReturnSpec,
    Source,
    docstring_parts,
)

__all__ = [
    "OPENAPI_VERSION",
    "PROBLEM_MEDIA_TYPE",
    "OpenAPIGenerator",
    "Route",
    "SchemaSet",
    "operation_routes",
    "untyped_operation",
]

#: The version of the OpenAPI Specification the documents follow.
OPENAPI_VERSION = "3.1.0"
#: Where schemas live in the document, for ``$ref``.
REF_TEMPLATE = "#/components/schemas/{name}"
#: The content type of RFC 9457 problem details.
PROBLEM_MEDIA_TYPE = "application/problem+json"

#: One route of a typed view: the rule, the HTTP method (upper case) and
#: the view's operation.
Route = tuple[Rule, str, Operation]

#: The methods an OpenAPI path item has, in the order it lists them.
_PATH_ITEM_METHODS = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH")
#: Methods werkzeug and the app add to every rule by themselves: documented
#: only when an operation names them.
_AUTOMATIC_METHODS = frozenset({"HEAD", "OPTIONS"})
_JSON_TYPES = re.compile(r"^application/(.+\+)?json$")
_UNICODE_LENGTH = re.compile(r"\[\^/\](?:\{(\d+)(,?)(\d*)\}|(\+))")
_COMPONENT_NAME = re.compile(r"[^A-Za-z0-9._-]")


def operation_routes(
    url_map: Map,
    operations: t.Iterable[Operation],
    views: t.Mapping[str, t.Callable[..., t.Any]] | None = None,
) -> t.Iterator[Route]:
    """The routes of ``operations`` in ``url_map``, in the map's order: for
    each rule of an operation's endpoint, each method the rule accepts
    (``HEAD`` and ``OPTIONS`` only where an operation names them), with the
    operation for that method (a class-based view's method's own, else the
    view function's).

    With ``views``, every other route is yielded too, each with the
    :func:`untyped_operation` of its view: a plain view, or a method of a
    class-based view that is not typed. The ``static`` endpoints (the
    app's and each blueprint's, ``<name>.static``) are left out.

    :param url_map: the app's URL map, ``app.url_map``.
    :param operations: the operations of the typed views.
    :param views: the app's views by endpoint, ``app.view_functions``, to
        describe the untyped ones too; ``None`` for the typed ones alone.
    """
    by_endpoint: dict[str, list[Operation]] = {}
    for operation in operations:
        by_endpoint.setdefault(operation.endpoint, []).append(operation)
    for rule in url_map.iter_rules():
        if getattr(rule, "websocket", False):
            continue
        candidates = by_endpoint.get(rule.endpoint, [])
        untyped = None
        if views is not None and not _is_static(rule.endpoint):
            untyped = views.get(rule.endpoint)
        if not candidates and untyped is None:
            continue
        methods = rule.methods or frozenset(_PATH_ITEM_METHODS)
        for method in _PATH_ITEM_METHODS:
            if method not in methods:
                continue
            chosen = next((op for op in candidates if op.method == method), None)
            if chosen is None and method not in _AUTOMATIC_METHODS:
                chosen = next((op for op in candidates if op.method is None), None)
                if chosen is None and untyped is not None:
                    chosen = untyped_operation(rule.endpoint, method, untyped)
            if chosen is not None:
                yield rule, method, chosen


def _is_static(endpoint: str) -> bool:
    # The endpoint names the app and its blueprints give their static
    # files' routes.
    return endpoint == "static" or endpoint.endswith(".static")


def untyped_operation(
    endpoint: str, method: str, view: t.Callable[..., t.Any]
) -> Operation:
    """The operation that describes an untyped view for ``method``: no
    parameters but the path's, no body, no declared result; its summary and
    description from the docstring of the function that answers (the view
    function, or the class-based view's method: ``get``,
    ``dispatch_request``...), its tag the blueprint's name.

    :param endpoint: the view's endpoint.
    :param method: the HTTP method (upper case).
    :param view: the registered view function.
    """
    function, own_method = view, None
    view_class = getattr(view, "view_class", None)
    if isinstance(view_class, type):
        own_method = method
        function = getattr(view_class, "dispatch_request", view)
        if (
            issubclass(view_class, MethodView)
            and function is MethodView.dispatch_request
        ):
            function = getattr(view_class, method.lower(), None) or view
    summary, description = docstring_parts(function.__doc__)
    blueprint = endpoint.rpartition(".")[0]
    return Operation(
        endpoint=endpoint,
        method=own_method,
        function=function,
        summary=summary,
        description=description,
        tags=(blueprint,) if blueprint else (),
        is_async=inspect.iscoroutinefunction(inspect.unwrap(function)),
    )


def _path_parts(rule: Rule) -> list[tuple[bool, str]]:
    """The parts of ``rule``'s path: (whether a variable, its text)."""
    # werkzeug's parse of the rule (its _trace: static parts and
    # variables, after the host part's "|") is the only one that agrees
    # with its matching; it keeps no public copy.
    trace: list[tuple[bool, str]] = rule._trace
    return trace[trace.index((False, "|")) + 1 :]


@functools.cache
def _pydantic_schema_generator() -> type:
    """pydantic's JSON schema maker, which describes a form's uploaded
    file (a field pydantic checks with ``isinstance``) as a binary string,
    as the msgspec side does; imported only when a pydantic model is
    described."""
    from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
    from pydantic_core import core_schema

    class FileAwareSchema(GenerateJsonSchema):
        def is_instance_schema(
            self, schema: core_schema.IsInstanceSchema
        ) -> JsonSchemaValue:
            cls = schema["cls"]
            if isinstance(cls, type) and issubclass(cls, FileStorage):
                return {"type": "string", "format": "binary"}
            return super().is_instance_schema(schema)

    return FileAwareSchema


def _is_pydantic_model(tp: object) -> bool:
    return isinstance(tp, type) and callable(getattr(tp, "model_json_schema", None))


def _has_pydantic_model(tp: object) -> bool:
    return _is_pydantic_model(tp) or any(_has_pydantic_model(a) for a in t.get_args(tp))


def _without_none(tp: t.Any) -> t.Any:
    """``X`` for ``X | None`` (and ``Optional[X]``); ``tp`` otherwise."""
    if t.get_origin(tp) in (t.Union, types.UnionType):
        rest = [a for a in t.get_args(tp) if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
        if len(rest) < len(t.get_args(tp)):
            return t.Union[tuple(rest)]  # noqa: UP007 (built from a tuple)
    return tp


def _as_lists(
    requirements: t.Iterable[str | t.Mapping[str, t.Iterable[str]]],
) -> list[dict[str, list[str]]]:
    """Security requirements as the document holds them (JSON lists)."""
    return [
        {name: list(scopes) for name, scopes in requirement.items()}
        for requirement in security_requirements(requirements)
    ]


def json_value(value: t.Any) -> t.Any:
    """``value`` as JSON-ready builtins (for examples and defaults): models
    of msgspec, dataclasses, attrs, and pydantic models."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump(mode="json")
    return msgspec.to_builtins(value)


class SchemaSet:
    """The JSON schemas of one document: every type is registered first
    (:meth:`add`), then all are made at once (:meth:`resolve`), so that a
    model used in many places is one component, referred to by ``$ref``.

    :param schema_hook: passed to msgspec, for types it cannot describe by
        itself (see ``msgspec.json.schema_components``).
    """

    def __init__(
        self, schema_hook: t.Callable[[type], dict[str, t.Any]] | None = None
    ) -> None:
        self.schema_hook = schema_hook
        #: The document's ``components.schemas``, filled by :meth:`resolve`
        #: and :meth:`define`.
        self.components: dict[str, t.Any] = {}
        self._msgspec_types: list[t.Any] = []
        self._msgspec_schemas: list[dict[str, t.Any]] | None = None
        # A pydantic model's schema differs for what it reads and what it
        # writes; one used both ways is described as it reads.
        self._pydantic_modes: dict[type, str] = {}

    def add(self, tp: t.Any, *, output: bool = False) -> None:
        """Register ``tp`` (a type of an input, or of an ``output``)."""
        if self._msgspec_schemas is not None:
            raise RuntimeError("SchemaSet.add() after resolve(): make a new set.")
        self._walk(tp, output)

    def _walk(self, tp: t.Any, output: bool) -> None:
        if _is_pydantic_model(tp):
            if self._pydantic_modes.get(tp) != "validation":
                self._pydantic_modes[tp] = "serialization" if output else "validation"
        elif _has_pydantic_model(tp):
            for arg in t.get_args(tp):
                self._walk(arg, output)
        elif not any(tp == known for known in self._msgspec_types):
            self._msgspec_types.append(tp)

    def resolve(self) -> None:
        """Make the schemas of every registered type.

        :raise TypeError: naming a type neither msgspec nor pydantic can
            describe, with what to do.
        """
        try:
            schemas, components = msgspec.json.schema_components(
                self._msgspec_types,
                schema_hook=self._schema_of_custom,
                ref_template=REF_TEMPLATE,
            )
        except TypeError as e:
            raise TypeError(
                f"Can't describe a type of the API in OpenAPI: {e}. Pass"
                " OpenAPIGenerator(schema_hook=...) a function that returns"
                " the JSON schema of such types, or annotate them with"
                " msgspec.Meta(extra_json_schema=...)."
            ) from e
        self._msgspec_schemas = list(schemas)
        for name, schema in components.items():
            self.define(name, schema)
        for model, mode in self._pydantic_modes.items():
            found = model.model_json_schema(  # type: ignore[attr-defined]
                ref_template="#/components/schemas/{model}",
                mode=mode,
                schema_generator=_pydantic_schema_generator(),
            )
            for name, schema in found.pop("$defs", {}).items():
                self.define(name, schema)
            self.define(self._pydantic_name(model), found)

    def _schema_of_custom(self, tp: type) -> dict[str, t.Any]:
        # A form's uploaded file: a binary string, as documentation pages
        # and client generators read it.
        if isinstance(tp, type) and issubclass(tp, FileStorage):
            return {"type": "string", "format": "binary"}
        if self.schema_hook is None:
            raise NotImplementedError
        return self.schema_hook(tp)

    @staticmethod
    def _pydantic_name(model: type) -> str:
        # pydantic names the models a schema refers to by their class name,
        # with what a component name may not hold replaced.
        return _COMPONENT_NAME.sub("_", model.__name__)

    def define(self, name: str, schema: dict[str, t.Any]) -> dict[str, str]:
        """Add the component ``name``; return a ``$ref`` to it.

        :raise ValueError: when another schema already has that name.
        """
        known = self.components.setdefault(name, schema)
        if known != schema:
            raise ValueError(
                f"Two different types are both named {name!r} in the API:"
                " OpenAPI needs a unique name per schema; rename one."
            )
        return {"$ref": REF_TEMPLATE.format(name=name)}

    def schema(self, tp: t.Any) -> dict[str, t.Any]:
        """The schema of ``tp``, registered and resolved before: a ``$ref``
        for a model."""
        if self._msgspec_schemas is None:
            raise RuntimeError("SchemaSet.schema() before resolve().")
        if _is_pydantic_model(tp):
            return {"$ref": REF_TEMPLATE.format(name=self._pydantic_name(tp))}
        if _has_pydantic_model(tp):
            return self._compose(tp)
        for index, known in enumerate(self._msgspec_types):
            if tp == known:
                return dict(self._msgspec_schemas[index])
        raise KeyError(f"{tp!r} was not added to the SchemaSet before resolve().")

    def _compose(self, tp: t.Any) -> dict[str, t.Any]:
        """The schema of a container or union of pydantic models (msgspec
        cannot walk into those)."""
        origin, args = t.get_origin(tp), t.get_args(tp)
        if origin is t.Annotated:
            return self.schema(args[0])
        if origin in (t.Union, types.UnionType):
            return {"anyOf": [self.schema(a) for a in args]}
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                return {"type": "array", "items": self.schema(args[0])}
            return {
                "type": "array",
                "prefixItems": [self.schema(a) for a in args],
                "minItems": len(args),
                "maxItems": len(args),
            }
        if isinstance(origin, type) and issubclass(origin, cabc.Mapping):
            return {"type": "object", "additionalProperties": self.schema(args[-1])}
        if isinstance(origin, type) and issubclass(origin, cabc.Iterable):
            schema: dict[str, t.Any] = {"type": "array", "items": self.schema(args[0])}
            if issubclass(origin, cabc.Set):
                schema["uniqueItems"] = True
            return schema
        raise TypeError(f"Can't describe {tp!r} in OpenAPI.")


class OpenAPIGenerator:
    """Makes the OpenAPI 3.1 document of an app's typed views.

    :param title: the API's name (``info.title``).
    :param version: the API's version (``info.version``), not OpenAPI's.
    :param description: ``info.description`` (CommonMark).
    :param info: more fields of ``info`` (``contact``, ``license``,
        ``termsOfService``, ``summary``).
    :param servers: the servers' URLs (or OpenAPI server objects); none
        means the origin the document was fetched from.
    :param tags: descriptions of the tags, by name, or OpenAPI tag objects;
        they are listed first, in this order.
    :param security_schemes: the security schemes, by name, as OpenAPI
        security scheme objects (``{"type": "http", "scheme": "bearer"}``).
    :param security: the requirement of every operation that says none of
        its own (:func:`~framework_api.documentation.security`): scheme
        names, or mappings of scheme names to scopes.
    :param schema_hook: describes types msgspec cannot (see
        ``msgspec.json.schema_components``).
    """

    #: The ``openapi`` field.
    openapi_version: t.ClassVar[str] = OPENAPI_VERSION
    #: The name of the problem details schema in ``components.schemas``.
    problem_schema_name: t.ClassVar[str] = "ProblemDetails"

    def __init__(
        self,
        *,
        title: str = "API",
        version: str = "0.1.0",
        description: str | None = None,
        info: t.Mapping[str, t.Any] | None = None,
        servers: t.Iterable[str | t.Mapping[str, t.Any]] = (),
        tags: t.Mapping[str, str] | t.Iterable[t.Mapping[str, t.Any]] = (),
        security_schemes: t.Mapping[str, t.Mapping[str, t.Any]] | None = None,
        security: t.Iterable[str | t.Mapping[str, t.Iterable[str]]] | None = None,
        schema_hook: t.Callable[[type], dict[str, t.Any]] | None = None,
    ) -> None:
        self.title = title
        self.version = version
        self.description = description
        self.info_extra = dict(info or {})
        self.servers = [
            {"url": server} if isinstance(server, str) else dict(server)
            for server in servers
        ]
        if isinstance(tags, cabc.Mapping):
            self.tags = [{"name": n, "description": d} for n, d in tags.items()]
        else:
            self.tags = [dict(tag) for tag in tags]
        self.security_schemes = {
            name: dict(scheme) for name, scheme in (security_schemes or {}).items()
        }
        self.security = None if security is None else _as_lists(security)
        self.schema_hook = schema_hook

    # -- the document ---------------------------------------------------

    def generate(self, routes: t.Iterable[Route]) -> dict[str, t.Any]:
        """The OpenAPI document of ``routes``.

        :param routes: (rule, method, operation) triples, as
            :func:`operation_routes` gives them.
        :raise TypeError: when a type cannot be described.
        :raise ValueError: when an operation names an undeclared security
            scheme, or two types share a name.
        """
        documented = [
            (rule, method.upper(), operation)
            for rule, method, operation in routes
            if not documentation_of(operation.function).hidden
        ]
        schemas = SchemaSet(self.schema_hook)
        for _, _, operation in documented:
            self.add_types(schemas, operation)
        schemas.resolve()

        paths: dict[str, dict[str, t.Any]] = {}
        operation_ids: set[str] = set()
        used_tags: list[str] = []
        for rule, method, operation in documented:
            path = self.path(rule)
            methods = paths.setdefault(path, {})
            if method.lower() in methods:
                # Two rules of one template (/a/<int:x>, /a/<x>): the first
                # matches first, and describes the pair.
                continue
            described = self.operation(rule, method, operation, schemas)
            described["operationId"] = self._unique(
                described["operationId"], operation_ids
            )
            used_tags.extend(
                tag for tag in described.get("tags", ()) if tag not in used_tags
            )
            methods[method.lower()] = described

        document: dict[str, t.Any] = {"openapi": self.openapi_version}
        document["info"] = self.info()
        if self.servers:
            document["servers"] = copy.deepcopy(self.servers)
        document["paths"] = {
            path: self.path_item(path, methods) for path, methods in paths.items()
        }
        components: dict[str, t.Any] = {}
        if schemas.components:
            components["schemas"] = schemas.components
        if self.security_schemes:
            components["securitySchemes"] = copy.deepcopy(self.security_schemes)
        if components:
            document["components"] = components
        if self.security is not None:
            self._check_schemes(self.security, "The document's global security")
            document["security"] = copy.deepcopy(self.security)
        tags = self.tag_objects(used_tags)
        if tags:
            document["tags"] = tags
        return document

    def info(self) -> dict[str, t.Any]:
        """The ``info`` object."""
        info: dict[str, t.Any] = {"title": self.title, "version": self.version}
        if self.description:
            info["description"] = self.description
        info.update(copy.deepcopy(self.info_extra))
        return info

    def tag_objects(self, used: list[str]) -> list[dict[str, t.Any]]:
        """The document's ``tags``: the configured ones, in their order,
        then the others the operations use, in the order they appear."""
        tags = copy.deepcopy(self.tags)
        named = {tag["name"] for tag in tags}
        tags.extend({"name": name} for name in used if name not in named)
        return tags

    def path_item(self, path: str, operations: dict[str, t.Any]) -> dict[str, t.Any]:
        """The path item of ``path``, from its operations by lower-case
        method, listed in OpenAPI's order of methods."""
        order = [method.lower() for method in _PATH_ITEM_METHODS]
        return {m: operations[m] for m in sorted(operations, key=order.index)}

    @staticmethod
    def _unique(wanted: str, taken: set[str]) -> str:
        candidate, number = wanted, 1
        while candidate in taken:
            number += 1
            candidate = f"{wanted}_{number}"
        taken.add(candidate)
        return candidate

    # -- paths and their parameters -------------------------------------

    def path(self, rule: Rule) -> str:
        """The OpenAPI path template of ``rule``: ``/items/{item_id}`` for
        ``/items/<int:item_id>``."""
        return "".join(
            f"{{{data}}}" if dynamic else data for dynamic, data in _path_parts(rule)
        )

    @staticmethod
    def path_variables(rule: Rule) -> list[tuple[str, BaseConverter]]:
        """The variables of ``rule``'s path, in order, with their converters."""
        converters: dict[str, BaseConverter] = rule._converters
        return [
            (data, converters[data]) for dynamic, data in _path_parts(rule) if dynamic
        ]

    def converter_schema(self, converter: BaseConverter) -> dict[str, t.Any]:
        """The schema of what ``converter`` matches. A custom converter may
        say its own with an ``openapi_schema`` attribute (a dict)."""
        own = getattr(converter, "openapi_schema", None)
        if isinstance(own, cabc.Mapping):
            return dict(own)
        if isinstance(converter, AnyConverter):
            return {"type": "string", "enum": sorted(converter.items)}
        if isinstance(converter, UUIDConverter):
            return {"type": "string", "format": "uuid"}
        if isinstance(converter, NumberConverter):
            schema: dict[str, t.Any] = {
                "type": "integer"
                if isinstance(converter, IntegerConverter)
                else "number"
            }
            if not isinstance(converter, IntegerConverter | FloatConverter):
                return schema
            low = converter.min
            if not converter.signed:
                low = 0 if low is None else max(low, 0)
            if low is not None:
                schema["minimum"] = low
            if converter.max is not None:
                schema["maximum"] = converter.max
            return schema
        if isinstance(converter, UnicodeConverter) and not isinstance(
            converter, PathConverter
        ):
            return {"type": "string", **self._string_length(converter.regex)}
        return {"type": "string"}

    @staticmethod
    def _string_length(regex: str) -> dict[str, int]:
        match = _UNICODE_LENGTH.fullmatch(regex)
        if match is None:
            return {}
        least, comma, most, plus = match.groups()
        if plus:
            return {"minLength": 1}
        if not comma:
            return {"minLength": int(least), "maxLength": int(least)}
        return {"minLength": int(least), **({"maxLength": int(most)} if most else {})}

    def path_parameters(
        self, rule: Rule, operation: Operation, schemas: SchemaSet
    ) -> list[dict[str, t.Any]]:
        """The path parameters: the rule's variables, described by their
        converters and, when the view's annotation adds constraints
        (``Annotated[int, Meta(le=100)]``), by those too."""
        specs = {p.key: p for p in operation.params if p.source is Source.PATH}
        described = []
        for name, converter in self.path_variables(rule):
            schema = self.converter_schema(converter)
            spec = specs.get(name)
            parameter: dict[str, t.Any] = {"name": name, "in": "path", "required": True}
            if spec is not None:
                if t.get_origin(spec.annotation) is t.Annotated:
                    own = schemas.schema(spec.annotation)
                    if "$ref" not in own:
                        schema = {**schema, **own}
                self._describe(parameter, spec)
            parameter["schema"] = schema
            described.append(parameter)
        return described

    @staticmethod
    def parameter_type(spec: ParamSpec) -> t.Any:
        """The type a parameter's schema describes: ``X`` for an optional
        ``X | None`` (an absent parameter is not a null one)."""
        return spec.annotation if spec.required else _without_none(spec.annotation)

    def parameter(self, spec: ParamSpec, schemas: SchemaSet) -> dict[str, t.Any]:
        """The parameter object of a query, header or cookie parameter."""
        schema = schemas.schema(self.parameter_type(spec))
        if not spec.required and spec.default is not None:
            schema["default"] = json_value(spec.default)
        parameter: dict[str, t.Any] = {
            "name": spec.key,
            "in": spec.source.value,
            "required": spec.required,
        }
        self._describe(parameter, spec)
        parameter["schema"] = schema
        return parameter

    @staticmethod
    def _describe(parameter: dict[str, t.Any], spec: ParamSpec) -> None:
        # What the annotation says of the parameter besides its type.
        if spec.description:
            parameter["description"] = spec.description
        if spec.deprecated:
            parameter["deprecated"] = True

    # -- operations -----------------------------------------------------

    def add_types(self, schemas: SchemaSet, operation: Operation) -> None:
        """Register in ``schemas`` every type :meth:`operation` describes."""
        for spec in operation.params:
            if spec.source is not Source.PATH or t.get_origin(spec.annotation) is (
                t.Annotated
            ):
                schemas.add(self.parameter_type(spec))
        if operation.body is not None:
            schemas.add(operation.body.annotation)
        if operation.returns is not None and operation.returns.annotation is not None:
            schemas.add(operation.returns.annotation, output=True)

    def operation(
        self, rule: Rule, method: str, operation: Operation, schemas: SchemaSet
    ) -> dict[str, t.Any]:
        """The operation object of ``operation`` at ``rule`` for ``method``."""
        extra = documentation_of(operation.function)
        described: dict[str, t.Any] = {}
        tags = extra.tags if extra.tags is not None else operation.tags
        if tags:
            described["tags"] = list(tags)
        summary = extra.summary or operation.summary
        if summary:
            described["summary"] = summary
        description = extra.description or operation.description
        if description:
            described["description"] = description
        described["operationId"] = extra.operation_id or self.operation_id(
            rule, method, operation
        )
        parameters = self.path_parameters(rule, operation, schemas)
        parameters.extend(
            self.parameter(spec, schemas)
            for spec in operation.params
            if spec.source is not Source.PATH
        )
        if parameters:
            described["parameters"] = parameters
        if operation.body is not None:
            described["requestBody"] = self.request_body(operation.body, extra, schemas)
        elif extra.request_examples:
            # A view the extension does not bind (an untyped one) may
            # still show what it takes.
            described["requestBody"] = {
                "content": {
                    "application/json": {
                        "examples": self.examples(extra.request_examples)
                    }
                }
            }
        described["responses"] = self.responses(operation, extra, schemas)
        if extra.deprecated:
            described["deprecated"] = True
        if extra.security is not None:
            requirements = _as_lists(extra.security)
            self._check_schemes(requirements, f"The view {operation.endpoint!r}")
            described["security"] = requirements
        return described

    def operation_id(self, rule: Rule, method: str, operation: Operation) -> str:
        """The ``operationId``: the endpoint (``items_create`` for
        ``items.create``), with the method when the endpoint has several
        (a class-based view, or a function for ``GET`` and ``POST``). The
        generator makes it unique with a number if it is not."""
        base = operation.endpoint.replace(".", "_")
        served = (rule.methods or set()) - _AUTOMATIC_METHODS
        if operation.method is not None or len(served) > 1:
            return f"{base}_{method.lower()}"
        return base

    def request_body(
        self, body: BodySpec, extra: Documentation, schemas: SchemaSet
    ) -> dict[str, t.Any]:
        """The request body object."""
        media: dict[str, t.Any] = {"schema": schemas.schema(body.annotation)}
        if extra.request_examples:
            media["examples"] = self.examples(extra.request_examples)
        described: dict[str, t.Any] = {}
        if body.description:
            described["description"] = body.description
        described["content"] = {media_type: media for media_type in body.media_types}
        described["required"] = body.required
        return described

    @staticmethod
    def examples(examples: t.Iterable[tuple[str, t.Any]]) -> dict[str, t.Any]:
        """OpenAPI example objects, by name, from values."""
        return {name: {"value": json_value(value)} for name, value in examples}

    def has_inputs(self, operation: Operation) -> bool:
        """Whether the operation validates anything of the request, so may
        answer 422: a body, or a query, header or cookie parameter, or a
        path parameter with constraints beyond its converter's."""
        return operation.body is not None or any(
            spec.source is not Source.PATH
            or t.get_origin(spec.annotation) is t.Annotated
            for spec in operation.params
        )

    def responses(
        self, operation: Operation, extra: Documentation, schemas: SchemaSet
    ) -> dict[str, t.Any]:
        """The responses object: the success, the problems the binder
        answers with, and those :func:`~framework_api.documentation.doc`
        adds."""
        responses: dict[str, t.Any] = {}
        returns = operation.returns or ReturnSpec(annotation=None)
        responses[str(returns.status)] = self.success_response(returns, extra, schemas)
        if operation.body is not None:
            if any(_JSON_TYPES.match(m) for m in operation.body.media_types):
                responses["400"] = self.problem_response(
                    400, "The body is not valid JSON.", schemas
                )
            responses["415"] = self.problem_response(
                415,
                "The body's content type is not one the operation accepts.",
                schemas,
            )
        if self.has_inputs(operation):
            responses["422"] = self.problem_response(
                422, "Invalid input: `errors` lists every invalid field.", schemas
            )
        for status, response in extra.responses:
            responses[str(status)] = (
                {"description": response}
                if isinstance(response, str)
                else dict(response)
            )
        return dict(sorted(responses.items()))

    def success_response(
        self, returns: ReturnSpec, extra: Documentation, schemas: SchemaSet
    ) -> dict[str, t.Any]:
        """The response object of a success."""
        response: dict[str, t.Any] = {"description": returns.description}
        if returns.status == 201:
            response["headers"] = {
                "Location": {
                    "description": "The URL of the new resource.",
                    "schema": {"type": "string", "format": "uri-reference"},
                }
            }
        if returns.annotation is not None and returns.annotation is not type(None):
            media: dict[str, t.Any] = {"schema": schemas.schema(returns.annotation)}
            if extra.response_examples:
                media["examples"] = self.examples(extra.response_examples)
            response["content"] = {returns.media_type: media}
        elif extra.response_examples and returns.status != 204:
            # An untyped view's answer: examples with no schema.
            examples = self.examples(extra.response_examples)
            response["content"] = {returns.media_type: {"examples": examples}}
        return response

    def problem_response(
        self, status: int, description: str, schemas: SchemaSet
    ) -> dict[str, t.Any]:
        """The response object of a problem the binder answers with
        (RFC 9457 problem details)."""
        reference = self.problem_schema(schemas)
        return {
            "description": description,
            "content": {PROBLEM_MEDIA_TYPE: {"schema": reference}},
        }

    def problem_schema(self, schemas: SchemaSet) -> dict[str, str]:
        """Define the problem details schema in ``schemas``; a ``$ref`` to
        it."""
        field_error = schemas.define(
            "FieldError",
            {
                "type": "object",
                "description": "One invalid field of the request.",
                "properties": {
                    "in": {
                        "type": "string",
                        "enum": [source.value for source in Source],
                        "description": "Where the field was read from.",
                    },
                    "name": {
                        "type": "string",
                        "description": "The parameter's name (not for the body).",
                    },
                    "pointer": {
                        "type": "string",
                        "description": "A JSON Pointer (RFC 6901) to the field"
                        " in the body, as a URI fragment: `#/items/0/price`.",
                    },
                    "detail": {"type": "string", "description": "What is wrong."},
                },
                "required": ["in", "detail"],
            },
        )
        return schemas.define(
            self.problem_schema_name,
            {
                "type": "object",
                "description": "Problem details (RFC 9457).",
                "properties": {
                    "type": {
                        "type": "string",
                        "format": "uri-reference",
                        "default": "about:blank",
                    },
                    "title": {"type": "string"},
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "detail": {"type": "string"},
                    "instance": {"type": "string", "format": "uri-reference"},
                    "errors": {"type": "array", "items": field_error},
                },
                "required": ["type", "title", "status"],
            },
        )

    # -- security -------------------------------------------------------

    def _check_schemes(
        self, requirements: list[dict[str, list[str]]], who: str
    ) -> None:
        for requirement in requirements:
            for name in requirement:
                if name not in self.security_schemes:
                    raise ValueError(
                        f"{who} requires the security scheme {name!r}, which is"
                        f" not declared: pass security_schemes={{{name!r}: ...}}"
                        " to the OpenAPIGenerator."
                    )
