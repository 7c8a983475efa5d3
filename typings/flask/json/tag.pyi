# flask.json.tag under framework.compat.flask.install() is the module
# framework.json.tag.

from framework.json.tag import *  # noqa: F403
