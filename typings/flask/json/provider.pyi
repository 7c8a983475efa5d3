# flask.json.provider under framework.compat.flask.install() is the module
# framework.json.provider.

from framework.json.provider import *  # noqa: F403
