"""The matplotlib backend: static figures (overlap maps, the unrolled matrix)."""

import logging

# Without a writable home, matplotlib warns that it made a temporary config folder;
# a figure needs no configuration, so those notices are noise for a command-line user.
logging.getLogger("matplotlib").setLevel(logging.ERROR)
