"""`python -m sharpicorn ARGS`: the same as the `sharpicorn` console script."""

import sys

from sharpicorn import main

sys.exit(main())
