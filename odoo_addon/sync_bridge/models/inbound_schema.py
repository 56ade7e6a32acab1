# Copyright 2026 Odoo Sync Bridge contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Validation of the canonical inbound payloads.

Mirrors the zod schemas of the sidecar (bridge/canonical/*.ts) exactly:
strict objects (unknown keys are refused), optional keys may be absent but
not null, numbers are finite (booleans are not numbers). Errors name the
field path the way the sidecar does: ``lines[0].lots[1].quantity``, and are
stable English texts.
"""
import math
import re



def _(message, *args):
    """Errors of the payload contract are stable English texts (the sidecar logs
    and may match them), not translated: no user language at this level."""
    return message % args if args else message


class SchemaError(ValueError):
    def __init__(self, path, message):
        self.path = path or "(payload)"
        self.message = message
        super().__init__(f"{self.path}: {message}")


def _join(path, key):
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _type_name(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def string(min_len=1, max_len=512, regex=None, expected=None):
    pattern = re.compile(regex) if regex else None

    def check(value, path):
        if not isinstance(value, str):
            raise SchemaError(path, _("expected a string, got %s", _type_name(value)))
        if len(value) < min_len:
            raise SchemaError(path, _("must not be empty") if min_len == 1
                              else _("must have at least %s characters", min_len))
        if max_len and len(value) > max_len:
            raise SchemaError(path, _("must have at most %s characters", max_len))
        if pattern and not pattern.search(value):
            raise SchemaError(path, _("expected %s", expected or pattern.pattern))
        return value

    return check


def number(positive=False, nonnegative=False, minimum=None, maximum=None):
    def check(value, path):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SchemaError(path, _("expected a number, got %s", _type_name(value)))
        if not math.isfinite(value):
            raise SchemaError(path, _("expected a finite number"))
        if positive and value <= 0:
            raise SchemaError(path, _("must be greater than 0"))
        if nonnegative and value < 0:
            raise SchemaError(path, _("must be greater than or equal to 0"))
        if minimum is not None and value < minimum:
            raise SchemaError(path, _("must be greater than or equal to %s", minimum))
        if maximum is not None and value > maximum:
            raise SchemaError(path, _("must be less than or equal to %s", maximum))
        return value

    return check


def enum(*values):
    def check(value, path):
        if value not in values:
            raise SchemaError(path, _("expected one of %s", ", ".join(values)))
        return value

    return check


def array(item, min_items=0):
    def check(value, path):
        if not isinstance(value, (list, tuple)):
            raise SchemaError(path, _("expected an array, got %s", _type_name(value)))
        if len(value) < min_items:
            raise SchemaError(path, _("must contain at least %s item(s)", min_items))
        return [item(v, _join(path, i)) for i, v in enumerate(value)]

    return check


def optional(check):
    check.optional = True
    return check


def strict_object(shape):
    def check(value, path):
        if not isinstance(value, dict):
            raise SchemaError(path, _("expected an object, got %s", _type_name(value)))
        unknown = sorted(set(value) - set(shape))
        if unknown:
            raise SchemaError(_join(path, unknown[0]), _("unrecognized key"))
        result = {}
        for key, sub in shape.items():
            if key not in value:
                if getattr(sub, "optional", False):
                    continue
                raise SchemaError(_join(path, key), _("required"))
            result[key] = sub(value[key], _join(path, key))
        return result

    return check


# -- common.ts -------------------------------------------------------------
def UtcDatetime():
    return string(max_len=0, regex=r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$",
                  expected="a UTC datetime 'YYYY-MM-DD HH:MM:SS'")


def DateOnly():
    return string(max_len=0, regex=r"^\d{4}-\d{2}-\d{2}$", expected="a date 'YYYY-MM-DD'")


def NonEmpty():
    return string(1, 512)


def Sku():
    return string(1, 128)


def Quantity(**kw):
    return number(**kw)


def _envelope():
    return {
        "message_id": NonEmpty(),
        "source": string(max_len=0, regex=r"^[a-z][a-z0-9_]*$",
                         expected="a system name in lower case"),
    }


EMAIL_RE = r"^(?!\.)(?!.*\.\.)([A-Za-z0-9_'+\-\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\-]*\.)+[A-Za-z]{2,}$"
URL_RE = r"^[A-Za-z][A-Za-z0-9+.\-]*://[^\s/?#]+[^\s]*$"

# -- shipment.ts -------------------------------------------------------------
SHIPMENT = strict_object({
    **_envelope(),
    "order_ref": NonEmpty(),
    "shipment_id": NonEmpty(),
    "shipped_at": UtcDatetime(),
    "carrier": NonEmpty(),
    "carrier_service": optional(NonEmpty()),
    "tracking_number": NonEmpty(),
    "tracking_url": optional(string(max_len=0, regex=URL_RE, expected="a URL")),
    "lines": array(strict_object({
        "sku": Sku(),
        "quantity": Quantity(positive=True),
        "lots": array(strict_object({
            "lot": NonEmpty(),
            "quantity": Quantity(positive=True),
            "expiration_date": optional(DateOnly()),
        })),
        "serials": array(NonEmpty()),
        "substituted_for_sku": optional(Sku()),
    }), min_items=1),
    "packages": optional(array(strict_object({
        "package_id": optional(NonEmpty()),
        "tracking_number": optional(NonEmpty()),
        "weight_kg": optional(number(nonnegative=True)),
        "length_cm": optional(number(nonnegative=True)),
        "width_cm": optional(number(nonnegative=True)),
        "height_cm": optional(number(nonnegative=True)),
    }))),
})

# -- return.ts ---------------------------------------------------------------
RETURN_DISPOSITIONS = ("restock", "quarantine", "scrap")
RETURN = strict_object({
    **_envelope(),
    "return_id": NonEmpty(),
    "order_ref": NonEmpty(),
    "received_at": UtcDatetime(),
    "lines": array(strict_object({
        "sku": Sku(),
        "quantity": Quantity(positive=True),
        "disposition": enum(*RETURN_DISPOSITIONS),
        "lot": optional(NonEmpty()),
    }), min_items=1),
})

# -- stock-snapshot.ts ---------------------------------------------------------
STOCK_SNAPSHOT = strict_object({
    **_envelope(),
    "location": NonEmpty(),
    "as_of": UtcDatetime(),
    "lines": array(strict_object({
        "sku": Sku(),
        "on_hand": Quantity(),
        "available": Quantity(),
        "lot": optional(NonEmpty()),
    })),
})

# -- sale-order.ts -------------------------------------------------------------
SALE_ORDER = strict_object({
    **_envelope(),
    "quote_id": NonEmpty(),
    "customer": strict_object({
        "external_id": NonEmpty(),
        "name": NonEmpty(),
        "email": string(min_len=0, max_len=0, regex=EMAIL_RE, expected="an email address"),
        "vat": optional(NonEmpty()),
        "address": strict_object({
            "street": NonEmpty(),
            "street2": optional(NonEmpty()),
            "city": NonEmpty(),
            "zip": optional(NonEmpty()),
            "state": optional(NonEmpty()),
            "country_code": string(max_len=0, regex=r"^[A-Z]{2}$",
                                   expected="an ISO 3166-1 alpha-2 country code"),
        }),
    }),
    "lines": array(strict_object({
        "sku": Sku(),
        "quantity": Quantity(positive=True),
        "unit_price": number(nonnegative=True),
        "discount_percent": optional(number(minimum=0, maximum=100)),
    }), min_items=1),
    "expected_date": optional(DateOnly()),
    "currency": optional(string(max_len=0, regex=r"^[A-Z]{3}$",
                                expected="an ISO 4217 currency code")),
})

# -- receipt.ts ------------------------------------------------------------------
RECEIPT = strict_object({
    **_envelope(),
    "receipt_ref": NonEmpty(),
    "receipt_id": NonEmpty(),
    "received_at": UtcDatetime(),
    "lines": array(strict_object({
        "sku": Sku(),
        "quantity": Quantity(nonnegative=True),
        "lots": array(strict_object({
            "lot": NonEmpty(),
            "quantity": Quantity(positive=True),
            "expiration_date": optional(DateOnly()),
        })),
        "serials": array(NonEmpty()),
    }), min_items=1),
})

# -- milestone.ts ------------------------------------------------------------------
MILESTONES = ("accepted", "allocated", "picked", "packed", "shipped", "delivered",
              "exception", "on_hold", "resumed")
MILESTONE = strict_object({
    **_envelope(),
    "order_ref": NonEmpty(),
    "milestone": enum(*MILESTONES),
    "occurred_at": UtcDatetime(),
    "shipment_id": optional(NonEmpty()),
    "carrier": optional(NonEmpty()),
    "tracking_number": optional(NonEmpty()),
    "reason": optional(NonEmpty()),
    "proof_of_delivery": optional(strict_object({
        "delivered_at": UtcDatetime(),
        "carrier_event": optional(NonEmpty()),
        "signed_by": optional(NonEmpty()),
        "location": optional(NonEmpty()),
    })),
})

# -- partner.ts ------------------------------------------------------------------
PARTNER_OBJECT_TYPES = ("company", "contact")
PARTNER_FIELDS = ("name", "email", "phone", "mobile", "website", "vat", "street", "street2",
                  "city", "zip", "state", "country_code",
                  # Odoo extension (docs: deviations): the CRM account manager's email
                  "user_id")


def field_value():
    text = string(min_len=0, max_len=1000)

    def check(value, path):
        if value is False:
            return value
        return text(value, path)

    return check


def changes():
    value = field_value()

    def check(data, path):
        if not isinstance(data, dict):
            raise SchemaError(path, _("expected an object, got %s", _type_name(data)))
        for key in sorted(data):
            if key not in PARTNER_FIELDS:
                raise SchemaError(_join(path, key), _("expected one of %s",
                                                      ", ".join(PARTNER_FIELDS)))
        if not data:
            raise SchemaError(path, _("at least one change"))
        return {key: value(v, _join(path, key)) for key, v in data.items()}

    return check


def CountryCode():
    return string(max_len=0, regex=r"^[A-Z]{2}$",
                  expected="an ISO 3166-1 alpha-2 country code")


PARTNER_CHANGE = strict_object({
    **_envelope(),
    "object_type": enum(*PARTNER_OBJECT_TYPES),
    "external_id": NonEmpty(),
    "changed_at": UtcDatetime(),
    "changes": changes(),
    "changed_by": optional(NonEmpty()),
})

PARTNER_NEW = strict_object({
    **_envelope(),
    "object_type": enum(*PARTNER_OBJECT_TYPES),
    "external_id": NonEmpty(),
    "created_at": UtcDatetime(),
    "name": NonEmpty(),
    "email": optional(string(min_len=0, max_len=0, regex=EMAIL_RE,
                             expected="an email address")),
    "phone": optional(NonEmpty()),
    "website": optional(NonEmpty()),
    "vat": optional(NonEmpty()),
    "street": optional(NonEmpty()),
    "street2": optional(NonEmpty()),
    "city": optional(NonEmpty()),
    "zip": optional(NonEmpty()),
    "state": optional(NonEmpty()),
    "country_code": optional(CountryCode()),
    "parent_external_id": optional(NonEmpty()),
})

SCHEMAS = {
    "shipment": SHIPMENT,
    "return": RETURN,
    "stock_snapshot": STOCK_SNAPSHOT,
    "stock_adjustment": STOCK_SNAPSHOT,
    "sale_order": SALE_ORDER,
    "receipt": RECEIPT,
    "milestone": MILESTONE,
    "partner_change": PARTNER_CHANGE,
    "partner_new": PARTNER_NEW,
}


def validate(kind, payload):
    """Return the validated payload (a new dict) or raise SchemaError."""
    return SCHEMAS[kind](payload, "")
