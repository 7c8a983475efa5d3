"""framework.registries: containers that report every write, so that the
app compiles its views and hooks again when Flask code writes to them."""

from __future__ import annotations

import copy
import gc
import pickle
import typing as t
import weakref

import pytest

from framework import App
from framework.registries import WatchedDict, WatchedList, WatchedScopes


class Counter:
    """An ``on_change`` callback that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> None:
        self.calls += 1


LIST_WRITES: list[tuple[str, t.Callable[[list[int]], object]]] = [
    ("append", lambda x: x.append(4)),
    ("extend", lambda x: x.extend([4, 5])),
    ("insert", lambda x: x.insert(0, 4)),
    ("remove", lambda x: x.remove(2)),
    ("pop", lambda x: x.pop()),
    ("clear", lambda x: x.clear()),
    ("sort", lambda x: x.sort(reverse=True)),
    ("reverse", lambda x: x.reverse()),
    ("setitem", lambda x: x.__setitem__(0, 9)),
    ("setslice", lambda x: x.__setitem__(slice(0, 2), [9])),
    ("delitem", lambda x: x.__delitem__(0)),
    ("iadd", lambda x: x.__iadd__([4])),
    ("imul", lambda x: x.__imul__(2)),
]


@pytest.mark.parametrize(
    "write", [w for _, w in LIST_WRITES], ids=[n for n, _ in LIST_WRITES]
)
def test_every_list_write_is_reported(write: t.Callable[[list[int]], object]) -> None:
    changed = Counter()
    items = WatchedList(changed, [1, 2, 3])
    assert changed.calls == 0
    write(items)
    assert changed.calls == 1


DICT_WRITES: list[tuple[str, t.Callable[[dict[str, int]], object]]] = [
    ("setitem", lambda d: d.__setitem__("b", 2)),
    ("delitem", lambda d: d.__delitem__("a")),
    ("update", lambda d: d.update(b=2)),
    ("setdefault-new", lambda d: d.setdefault("b", 2)),
    ("pop", lambda d: d.pop("a")),
    ("popitem", lambda d: d.popitem()),
    ("clear", lambda d: d.clear()),
    ("ior", lambda d: d.__ior__({"b": 2})),
]


@pytest.mark.parametrize(
    "write", [w for _, w in DICT_WRITES], ids=[n for n, _ in DICT_WRITES]
)
def test_every_dict_write_is_reported(
    write: t.Callable[[dict[str, int]], object],
) -> None:
    changed = Counter()
    mapping: WatchedDict[str, int] = WatchedDict(changed)
    dict.__setitem__(mapping, "a", 1)
    write(mapping)
    assert changed.calls == 1


def test_reads_are_not_reported() -> None:
    changed = Counter()
    mapping: WatchedDict[str, int] = WatchedDict(changed)
    mapping["a"] = 1
    assert (mapping["a"], mapping.get("b"), mapping.setdefault("a", 5)) == (1, None, 1)
    assert list(mapping.items()) == [("a", 1)]
    assert changed.calls == 1


def test_scopes_behave_as_defaultdict_of_lists() -> None:
    """Reading a missing scope adds an empty list without a report, as
    ``defaultdict(list)`` does; appending to it is reported."""
    changed = Counter()
    scopes: WatchedScopes[str | None, int] = WatchedScopes(changed)
    funcs = scopes[None]
    assert funcs == [] and None in scopes
    assert scopes.default_factory is list
    assert changed.calls == 0
    funcs.append(1)
    assert changed.calls == 1
    assert scopes == {None: [1]}


@pytest.mark.parametrize(
    "store",
    [
        pytest.param(lambda s: s.setdefault("bp", []), id="setdefault"),
        pytest.param(lambda s: s.__setitem__("bp", []) or s["bp"], id="setitem"),
        pytest.param(lambda s: s.update(bp=[]) or s["bp"], id="update"),
    ],
)
def test_lists_stored_in_scopes_report_their_writes(
    store: t.Callable[[WatchedScopes[str, int]], list[int]],
) -> None:
    """``registry.setdefault(None, []).append(f)``, as extensions write it:
    the list stored is watched too."""
    changed = Counter()
    scopes: WatchedScopes[str, int] = WatchedScopes(changed)
    funcs = store(scopes)
    assert isinstance(funcs, WatchedList)
    funcs.append(1)
    assert changed.calls == 2
    assert scopes["bp"] == [1]


def test_copies_are_plain_containers() -> None:
    """A copy or pickle does not carry the app's callback."""
    scopes: WatchedScopes[str | None, int] = WatchedScopes(Counter())
    scopes[None].append(1)
    for twin in (
        copy.copy(scopes),
        copy.deepcopy(scopes),
        pickle.loads(pickle.dumps(scopes)),
    ):
        assert type(twin) is dict
        assert twin == {None: [1]}
    assert type(copy.copy(scopes[None])) is list


def test_app_registries_do_not_keep_the_app_alive() -> None:
    """The registries reach the app through a weak reference: an app is
    freed when its last reference goes, without the cycle collector."""
    gc.disable()
    try:
        app = App("freed")
        app.get("/")(lambda: "x")
        app.test_client().get("/")
        app.before_request_funcs[None].append(lambda: None)
        ref = weakref.ref(app)
        view_functions = app.view_functions
        del app
        assert ref() is None
        view_functions["late"] = lambda: "y"  # the app is gone: nothing to tell
    finally:
        gc.enable()
