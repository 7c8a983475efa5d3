# flask.views under framework.compat.flask.install() is the module
# framework.views.

from framework.views import *  # noqa: F403
