# flask.sansio.blueprints under framework.compat.flask.install() is the
# module framework.blueprints.

from framework.blueprints import *  # noqa: F403
