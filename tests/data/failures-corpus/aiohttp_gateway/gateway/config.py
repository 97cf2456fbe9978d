import os

import aiohttp

QUOTES_URL = os.environ.get("QUOTES_URL", "http://quotes.internal")
ACCOUNTS_URL = os.environ.get("ACCOUNTS_URL", "http://accounts.internal")
RATES_URL = os.environ.get("RATES_URL", "https://fx.example.com/latest")
UPSTREAM_TIMEOUT = aiohttp.ClientTimeout(total=5)
