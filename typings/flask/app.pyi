# Flask's module path flask.app under framework.compat.flask.install():
# framework.app, plus Flask's name for the application class.

from framework.app import *  # noqa: F403
from framework.app import App

Flask = App
