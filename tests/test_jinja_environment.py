"""framework.jinja_environment: the app's Jinja environment, and the
template globals it keeps merged for each render."""

from __future__ import annotations

from collections import ChainMap

import jinja2
import pytest

from framework import App, render_template_string
from framework.jinja_environment import Environment

SOURCE = "{{ shared }}/{{ own }}/{{ extra | default('-') }}"


@pytest.fixture
def app() -> App:
    app = App(__name__)
    app.testing = True
    return app


def render(app: App, source: str = SOURCE) -> str:
    with app.app_context():
        return render_template_string(source)


def test_the_environment_is_the_framework_s(app: App) -> None:
    assert isinstance(app.jinja_env, Environment)


def test_template_globals_are_a_chain_map_over_the_environment_s(app: App) -> None:
    env = app.jinja_env
    env.globals["shared"] = "env"
    template = env.from_string(SOURCE, globals={"own": "mine", "shared": "tpl"})
    assert isinstance(template.globals, ChainMap)
    # The template's own globals win, as in Jinja.
    assert template.render() == "tpl/mine/-"
    assert dict(template.globals)["shared"] == "tpl"
    # Changing the template's globals leaves the environment's alone.
    template.globals["extra"] = "x"
    assert "extra" not in env.globals


def test_a_render_sees_the_environment_s_globals_change(app: App) -> None:
    env = app.jinja_env
    env.globals.update(shared="a", own="b")
    template = env.from_string(SOURCE)
    assert template.render() == "a/b/-"
    env.globals["shared"] = "changed"
    assert template.render() == "changed/b/-"
    env.globals |= {"extra": "added"}
    assert template.render() == "changed/b/added"
    del env.globals["extra"]
    assert template.render() == "changed/b/-"
    env.globals.pop("own")
    env.globals.setdefault("own", "again")
    assert template.render() == "changed/again/-"
    env.globals.popitem()
    assert template.render() == "changed//-"


def test_a_render_sees_the_template_s_globals_change(app: App) -> None:
    env = app.jinja_env
    env.globals["shared"] = "env"
    template = env.from_string(SOURCE)
    assert template.render() == "env//-"
    template.globals["own"] = "mine"
    assert template.render() == "env/mine/-"
    template.globals.clear()  # only the template's own map
    assert template.render() == "env//-"


def test_globals_passed_to_get_template_reach_a_cached_template(app: App) -> None:
    env = app.jinja_env
    env.loader = jinja2.DictLoader({"page.txt": SOURCE})
    first = env.get_template("page.txt", globals={"own": "one"})
    assert first.render() == "/one/-"
    again = env.get_template("page.txt", globals={"own": "two"})
    assert again is first
    assert again.render() == "/two/-"


def test_unchanged_globals_are_merged_once(app: App) -> None:
    env = app.jinja_env
    template = env.from_string(SOURCE)
    merged = template.globals.merged()
    assert template.globals.merged() is merged
    env.globals["shared"] = "new"
    assert template.globals.merged() is not merged
    assert template.globals.merged()["shared"] == "new"


def test_the_context_has_the_chain_map_s_keys_in_its_order(app: App) -> None:
    env = app.jinja_env
    template = env.from_string(SOURCE, globals={"own": 1, "url_for": "mine"})
    context = template.new_context({"passed": 2})
    assert list(context.parent) == [*dict(ChainMap(*template.globals.maps)), "passed"]
    assert context.parent["url_for"] == "mine"
    assert set(context.globals_keys) == set(ChainMap(*template.globals.maps))


def test_environment_globals_replaced_by_a_plain_dict_still_render(app: App) -> None:
    env = app.jinja_env
    env.globals = {"shared": "plain", **env.globals}
    template = env.from_string(SOURCE)
    assert template.render() == "plain//-"
    env.globals["shared"] = "seen"
    assert template.render() == "seen//-"


def test_app_template_globals_reach_templates(app: App) -> None:
    @app.template_global()
    def shared() -> str:
        return "from the app"

    assert render(app, "{{ shared() }}") == "from the app"
