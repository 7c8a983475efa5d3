"""Signals: sent with ``sender=app`` and their documented keyword arguments."""

from __future__ import annotations

import typing as t
from contextlib import ExitStack

import pytest
from blinker import Signal

from framework import (
    App,
    appcontext_popped,
    appcontext_pushed,
    appcontext_tearing_down,
    got_request_exception,
    has_app_context,
    has_request_context,
    request,
    request_finished,
    request_started,
    request_tearing_down,
    session,
)
from framework.signals import app_ready, request_matched, session_opened
from framework.testing import AppClient

# Every test runs through the WSGI and the ASGI callable (see the
# ``transport`` fixture in conftest.py): a difference between them fails.
pytestmark = pytest.mark.usefixtures("transport")


class Recorder:
    """A receiver that records each call, and whether contexts were active."""

    def __init__(self, name: str = "", log: list[str] | None = None) -> None:
        self.name = name
        self.log = log
        self.calls: list[tuple[t.Any, dict[str, t.Any]]] = []
        self.had_request: list[bool] = []
        self.had_app: list[bool] = []

    def __call__(self, sender: t.Any, **kwargs: t.Any) -> None:
        self.calls.append((sender, kwargs))
        self.had_request.append(has_request_context())
        self.had_app.append(has_app_context())
        if self.log is not None:
            self.log.append(self.name)


def _routes(app: App) -> None:
    @app.route("/")
    def index() -> str:
        return "ok"

    @app.route("/user/<int:user_id>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    @app.route("/boom")
    def boom() -> str:
        raise ValueError("boom")


# -- Flask's signals ------------------------------------------------------------


def test_request_started(app: App, client: AppClient) -> None:
    _routes(app)
    paths: list[str] = []
    recorder = Recorder()

    def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        recorder(sender, **kwargs)
        paths.append(request.path)

    with request_started.connected_to(receiver, app):
        client.get("/")
    assert recorder.calls == [(app, {})]
    assert paths == ["/"]


def test_request_finished_with_response(app: App, client: AppClient) -> None:
    _routes(app)
    recorder = Recorder()
    with request_finished.connected_to(recorder, app):
        response = client.get("/user/3")
    assert len(recorder.calls) == 1
    sender, kwargs = recorder.calls[0]
    assert sender is app
    assert list(kwargs) == ["response"]
    assert isinstance(kwargs["response"], app.response_class)
    assert kwargs["response"].status_code == 200
    assert kwargs["response"].get_data() == response.data == b"user 3"
    assert recorder.had_request == [True]


def test_request_finished_for_error_response(app: App, client: AppClient) -> None:
    recorder = Recorder()
    with request_finished.connected_to(recorder, app):
        client.get("/nowhere")
    assert len(recorder.calls) == 1
    assert recorder.calls[0][1]["response"].status_code == 404


def test_got_request_exception_when_propagating(app: App, client: AppClient) -> None:
    _routes(app)
    recorder = Recorder()
    with (
        got_request_exception.connected_to(recorder, app),
        pytest.raises(ValueError) as info,
    ):
        client.get("/boom")
    assert recorder.calls == [(app, {"exception": info.value})]


def test_got_request_exception_when_answering_500(app: App) -> None:
    app.testing = False
    _routes(app)
    recorder = Recorder()
    with got_request_exception.connected_to(recorder, app):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert len(recorder.calls) == 1
    sender, kwargs = recorder.calls[0]
    assert sender is app
    assert list(kwargs) == ["exception"]
    assert isinstance(kwargs["exception"], ValueError)
    assert str(kwargs["exception"]) == "boom"


def test_got_request_exception_not_sent_for_http_errors(
    app: App, client: AppClient
) -> None:
    recorder = Recorder()
    with got_request_exception.connected_to(recorder, app):
        assert client.get("/nowhere").status_code == 404
    assert recorder.calls == []


def test_request_tearing_down_with_exc(app: App) -> None:
    app.testing = False
    _routes(app)
    recorder = Recorder()
    client = app.test_client()
    with request_tearing_down.connected_to(recorder, app):
        client.get("/")
        client.get("/boom")
    assert [sender for sender, _ in recorder.calls] == [app, app]
    assert recorder.calls[0][1] == {"exc": None}
    assert list(recorder.calls[1][1]) == ["exc"]
    assert isinstance(recorder.calls[1][1]["exc"], ValueError)
    assert recorder.had_request == [True, True]


@pytest.mark.one_transport
def test_appcontext_tearing_down_with_exc(app: App) -> None:
    recorder = Recorder()
    error = KeyError("in block")
    with appcontext_tearing_down.connected_to(recorder, app):
        with app.app_context():
            pass
        with pytest.raises(KeyError), app.app_context():
            raise error
    assert recorder.calls == [(app, {"exc": None}), (app, {"exc": error})]
    assert recorder.had_app == [True, True]


def test_appcontext_tearing_down_after_request(app: App, client: AppClient) -> None:
    _routes(app)
    recorder = Recorder()
    with appcontext_tearing_down.connected_to(recorder, app):
        client.get("/")
    assert recorder.calls == [(app, {"exc": None})]


@pytest.mark.one_transport
def test_appcontext_pushed_and_popped(app: App) -> None:
    pushed = Recorder()
    popped = Recorder()
    with (
        appcontext_pushed.connected_to(pushed, app),
        appcontext_popped.connected_to(popped, app),
    ):
        with app.app_context():
            assert pushed.calls == [(app, {})]
            assert popped.calls == []
        assert popped.calls == [(app, {})]
    # Pushed is sent once the context is active, popped once it is gone.
    assert pushed.had_app == [True]
    assert popped.had_app == [False]


def test_appcontext_pushed_and_popped_once_per_request(
    app: App, client: AppClient
) -> None:
    _routes(app)
    pushed = Recorder()
    popped = Recorder()
    with (
        appcontext_pushed.connected_to(pushed, app),
        appcontext_popped.connected_to(popped, app),
    ):
        client.get("/")
    assert pushed.calls == [(app, {})]
    assert popped.calls == [(app, {})]


@pytest.mark.one_transport
def test_request_context_inside_app_context_does_not_push_app_again(
    app: App,
) -> None:
    pushed = Recorder()
    with (
        appcontext_pushed.connected_to(pushed, app),
        app.app_context(),
        app.test_request_context("/"),
    ):
        pass
    assert pushed.calls == [(app, {})]


def test_signal_order_of_a_request(app: App, client: AppClient) -> None:
    _routes(app)
    log: list[str] = []
    signals: dict[str, Signal] = {
        "appcontext_pushed": appcontext_pushed,
        "request_started": request_started,
        "request_matched": request_matched,
        "request_finished": request_finished,
        "request_tearing_down": request_tearing_down,
        "appcontext_tearing_down": appcontext_tearing_down,
        "appcontext_popped": appcontext_popped,
    }
    with ExitStack() as stack:
        for name, signal in signals.items():
            stack.enter_context(signal.connected_to(Recorder(name, log), app))
        client.get("/user/1")
    flask_order = [name for name in log if name != "request_matched"]
    assert flask_order == [
        "appcontext_pushed",
        "request_started",
        "request_finished",
        "request_tearing_down",
        "appcontext_tearing_down",
        "appcontext_popped",
    ]
    # The URL is matched once the context is pushed, before the view runs.
    assert log.count("request_matched") == 1
    matched = log.index("request_matched")
    assert log.index("appcontext_pushed") < matched < log.index("request_finished")


def test_async_receiver_runs(app: App, client: AppClient) -> None:
    _routes(app)
    calls: list[t.Any] = []

    async def receiver(sender: t.Any, **kwargs: t.Any) -> None:
        calls.append((sender, kwargs, request.path))

    with request_started.connected_to(receiver, app):
        client.get("/")
    assert calls == [(app, {}, "/")]


# -- the new signals --------------------------------------------------------------


def test_request_matched_with_rule_and_view_args(app: App, client: AppClient) -> None:
    _routes(app)
    recorder = Recorder()
    with request_matched.connected_to(recorder, app):
        client.get("/user/5")
    assert len(recorder.calls) == 1
    sender, kwargs = recorder.calls[0]
    assert sender is app
    assert sorted(kwargs) == ["rule", "view_args"]
    assert kwargs["rule"].rule == "/user/<int:user_id>"
    assert kwargs["rule"].endpoint == "user"
    assert kwargs["view_args"] == {"user_id": 5}


def test_request_matched_not_sent_when_nothing_matches(
    app: App, client: AppClient
) -> None:
    _routes(app)
    recorder = Recorder()
    with request_matched.connected_to(recorder, app):
        assert client.get("/nowhere").status_code == 404
        assert client.post("/").status_code == 405
    assert recorder.calls == []


def test_app_ready_sent_once_at_first_request(app: App, client: AppClient) -> None:
    _routes(app)
    ready_flags: list[bool] = []
    recorder = Recorder()

    def receiver(sender: App, **kwargs: t.Any) -> None:
        recorder(sender, **kwargs)
        ready_flags.append(sender.got_first_request)

    with app_ready.connected_to(receiver, app):
        with app.test_request_context("/"):
            pass
        assert recorder.calls == []
        client.get("/")
        client.get("/")
    assert recorder.calls == [(app, {})]
    assert ready_flags == [True]


def test_session_opened_with_session(app: App, client: AppClient) -> None:
    opened_in_view: list[t.Any] = []

    @app.route("/read")
    def read() -> str:
        value = session.get("user")
        opened_in_view.append(session._get_current_object())  # type: ignore[attr-defined]
        return repr(value)

    _routes(app)
    recorder = Recorder()
    with session_opened.connected_to(recorder, app):
        client.get("/")
        assert recorder.calls == []
        assert client.get("/read").data == b"None"
    assert len(recorder.calls) == 1
    sender, kwargs = recorder.calls[0]
    assert sender is app
    assert list(kwargs) == ["session"]
    assert kwargs["session"] is opened_in_view[0]


# -- sender filtering ---------------------------------------------------------------


def test_signals_of_another_app_are_not_received(app: App) -> None:
    other = App("other_app")
    other.testing = True
    _routes(other)

    @other.route("/read")
    def read() -> str:
        return repr(session.get("x"))

    recorders: dict[str, Recorder] = {}
    signals: list[tuple[str, Signal]] = [
        ("appcontext_pushed", appcontext_pushed),
        ("appcontext_popped", appcontext_popped),
        ("appcontext_tearing_down", appcontext_tearing_down),
        ("request_started", request_started),
        ("request_matched", request_matched),
        ("request_finished", request_finished),
        ("request_tearing_down", request_tearing_down),
        ("got_request_exception", got_request_exception),
        ("app_ready", app_ready),
        ("session_opened", session_opened),
    ]
    other_seen = Recorder()
    with ExitStack() as stack:
        for name, signal in signals:
            recorders[name] = Recorder()
            stack.enter_context(signal.connected_to(recorders[name], app))
        stack.enter_context(request_started.connected_to(other_seen, other))
        client = other.test_client()
        client.get("/user/1")
        client.get("/read")
        with pytest.raises(ValueError):
            client.get("/boom")
        with other.app_context():
            pass
    assert {name: r.calls for name, r in recorders.items()} == {
        name: [] for name, _ in signals
    }
    # The other app did send: the filter, not silence, kept them out.
    assert len(other_seen.calls) == 3
    assert all(sender is other for sender, _ in other_seen.calls)


def test_a_failing_tearing_down_receiver_does_not_stop_teardown(app: App) -> None:
    from framework.signals import request_tearing_down

    ran: list[str] = []

    @app.teardown_appcontext
    def app_teardown(exc: BaseException | None) -> None:
        ran.append("appcontext")

    app.add_url_rule("/", "index", lambda: "ok")

    def broken(sender: App, **extra: t.Any) -> None:
        raise RuntimeError("receiver failed")

    with (
        request_tearing_down.connected_to(broken, app),
        pytest.raises(RuntimeError, match="receiver failed"),
    ):
        app.test_client().get("/")
    assert ran == ["appcontext"]


def test_request_path_quiet_follows_connects_and_disconnects() -> None:
    from framework import signals

    def receiver(sender: object, **extra: object) -> None:
        pass

    # Other tests may leave receivers behind: start from the true count.
    quiet = signals.refresh_request_path_quiet()
    assert quiet == (not any(s.receivers for s in signals._REQUEST_PATH))
    signals.appcontext_popped.connect(receiver)
    try:
        assert not signals.request_path_quiet
        # Another receiver on another request signal keeps it loud after
        # the first one leaves.
        with signals.request_started.connected_to(receiver):
            signals.appcontext_popped.disconnect(receiver)
            assert not signals.request_path_quiet
    finally:
        signals.appcontext_popped.disconnect(receiver)
    assert signals.request_path_quiet == quiet
    # A signal that is not sent around every request leaves it alone.
    with signals.template_rendered.connected_to(receiver):
        assert signals.request_path_quiet == quiet


def test_a_collected_weak_receiver_stops_counting_at_the_next_refresh() -> None:
    import gc

    from framework import signals

    quiet = signals.refresh_request_path_quiet()

    def connect_a_passing_receiver() -> None:
        def receiver(sender: object, **extra: object) -> None:
            pass

        signals.request_finished.connect(receiver)  # weak: dies on return

    connect_a_passing_receiver()
    gc.collect()
    # No disconnect was called: the flag is stale until refreshed.
    assert not signals.request_path_quiet
    assert signals.refresh_request_path_quiet() == quiet
