"""Sign-in throttling glue for django-axes (settings ``AXES_*``): the client address it counts failures by, and
the lock-out page with the minutes to wait.

The address is read like the rate limits read it (``RATELIMIT_IP_META_KEY`` behind a reverse proxy, else
``REMOTE_ADDR``), masked to the network django-ratelimit uses (IPv4 /32, IPv6 /64): a client that owns a /64
cannot step round its lock by changing addresses within it.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string


def request_client_ip(request: HttpRequest) -> str:
    """The client's network address as a string ("203.0.113.7", "2001:db8::"); "" when there is none."""
    meta_key = getattr(settings, "RATELIMIT_IP_META_KEY", None)
    if callable(meta_key):
        raw = meta_key(request)
    elif isinstance(meta_key, str) and "." in meta_key:
        raw = import_string(meta_key)(request)
    elif meta_key:
        raw = request.META.get(meta_key, "")
    else:
        raw = request.META.get("REMOTE_ADDR", "")
    raw = (raw or "").split(",")[0].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    mask = 64 if address.version == 6 else 32
    return str(ipaddress.ip_network(f"{address}/{mask}", strict=False).network_address)


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The 429 lock-out page (Arabic and English), naming no account; ``Retry-After`` is the cool-off in seconds."""
    cooloff = settings.AXES_COOLOFF_TIME
    context = {
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_timedelta": cooloff,
        "cooloff_minutes": int(cooloff.total_seconds() // 60) if cooloff else None,
    }
    response = render(request, settings.AXES_LOCKOUT_TEMPLATE, context, status=429)
    if cooloff:
        response["Retry-After"] = str(int(cooloff.total_seconds()))
    return response
