# flask.json under framework.compat.flask.install() is the package
# framework.json.

from framework.json import *  # noqa: F403
from framework.json import provider as provider
from framework.json import tag as tag
