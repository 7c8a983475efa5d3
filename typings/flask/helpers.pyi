# Flask's module path flask.helpers under framework.compat.flask.install():
# framework.helpers, plus three functions Flask keeps there.

from framework.cli import get_debug_flag as get_debug_flag
from framework.cli import get_load_dotenv as get_load_dotenv
from framework.helpers import *  # noqa: F403
from framework.scaffold import find_package_path

get_root_path = find_package_path
