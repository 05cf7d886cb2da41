"""The HTTP side: one ASGI app (Starlette, served by uvicorn) when HTTP_PORT is set.

`app` builds the routes and serves them inside the bot's event loop; `health` answers
GET /healthz and GET /metrics; `webhook` takes Telegram's updates on POST /telegram (webhook
mode); `hooks` takes a site's "I published" on POST /hooks/publish.
"""
