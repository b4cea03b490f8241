"""pyTwitchAPI's one-shot validation, timed by the cold-start suite from spawn to exit.

Usage: python3 one-shot.py <authBaseUrl> <accessToken>
"""
import asyncio
import sys

from twitchAPI.oauth import validate_token

result = asyncio.run(validate_token(sys.argv[2], auth_base_url=sys.argv[1] + '/'))
print('login' in result)
