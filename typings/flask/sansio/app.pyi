# flask.sansio.app under framework.compat.flask.install(): framework.app,
# whose App is both Flask's sansio App and flask.Flask.

from framework.app import *  # noqa: F403
from framework.app import App

Flask = App
