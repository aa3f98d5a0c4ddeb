"""One Meta-shaped inbound message of every type, with the text the hub logs for it.

Shared by the emulator's users: the connector's parser tests, the end-to-end lead tests
and anyone trying the WhatsApp path by hand.
"""

from __future__ import annotations

from typing import Any

SAMPLE_MESSAGES: dict[str, tuple[dict[str, Any], str]] = {
    "text": ({"type": "text", "text": {"body": "Hi, need 1,000 pcs of LED lamps"}},
             "Hi, need 1,000 pcs of LED lamps"),
    "image": ({"type": "image", "image": {"mime_type": "image/jpeg", "sha256": "4654+8g=",
                                          "id": "65463453", "caption": "this model, 500 pcs"}},
              "[image] this model, 500 pcs"),
    "video": ({"type": "video", "context": {"forwarded": True},
               "video": {"caption": "caption", "mime_type": "video/mp4", "id": "765756756"}},
              "[video] caption"),
    "audio": ({"type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus", "id": "12",
                                          "voice": True}}, "[audio]"),
    "document": ({"type": "document", "document": {
        "caption": "our RFQ", "filename": "rfq.pdf", "mime_type": "application/pdf",
        "sha256": "grwfwe=", "id": "1234567890987654321"}}, "[document rfq.pdf] our RFQ"),
    "sticker": ({"type": "sticker", "sticker": {"mime_type": "image/webp", "id": "99",
                                                "animated": False}}, "[sticker]"),
    "location": ({"type": "location", "location": {
        "latitude": 25.2048, "longitude": 55.2708, "name": "Warehouse",
        "address": "Jebel Ali, Dubai"}}, "[location 25.2048,55.2708] Warehouse, Jebel Ali, Dubai"),
    "contacts": ({"type": "contacts", "contacts": [{
        "name": {"first_name": "Omar", "last_name": "Haddad", "formatted_name": "Omar Haddad"},
        "phones": [{"phone": "+971 50 765 4321", "wa_id": "971507654321", "type": "CELL"}],
        "emails": [{"email": "omar@desertlights.ae", "type": "WORK"}],
        "org": {"company": "Desert Lights LLC"}}]}, "[contacts] Omar Haddad"),
    "reaction": ({"type": "reaction", "reaction": {"message_id": "wamid.yzxyzx=",
                                                   "emoji": "\U0001f44d"}},
                 "[reaction \U0001f44d to wamid.yzxyzx=]"),
    "reaction_removed": ({"type": "reaction", "reaction": {"message_id": "wamid.yzxyzx="}},
                         "[reaction removed to wamid.yzxyzx=]"),
    "button_reply": ({"type": "interactive", "context": {"from": "15550783881",
                                                         "id": "wamid.quote1"},
                      "interactive": {"type": "button_reply", "button_reply": {
                          "id": "accept_quote", "title": "Accept quote"}}}, "Accept quote"),
    "list_reply": ({"type": "interactive", "context": {"from": "15550783881",
                                                       "id": "wamid.list1"},
                    "interactive": {"type": "list_reply", "list_reply": {
                        "id": "sku-9w", "title": "9W bulb", "description": "E27, 3000K"}}},
                   "9W bulb"),
    "template_button": ({"type": "button", "context": {"from": "15550783881",
                                                       "id": "wamid.tpl1"},
                         "button": {"payload": "CALL_ME", "text": "Call me"}}, "Call me"),
    "order": ({"type": "order", "order": {"catalog_id": "354160437058781", "text": "",
                                          "product_items": [
        {"product_retailer_id": "LED-9W", "quantity": 800, "item_price": 1.2, "currency": "USD"},
        {"product_retailer_id": "LED-12W", "quantity": 200, "item_price": 1.6,
         "currency": "USD"}]}}, "[order] 800 x LED-9W; 200 x LED-12W"),
    "referral": ({"type": "text", "text": {"body": "Is this still available?"},
                  "referral": {"source_url": "https://fb.me/ad", "source_id": "ADID",
                               "source_type": "ad", "headline": "LED lamps wholesale",
                               "body": "Factory price", "media_type": "image",
                               "ctwa_clid": "CTWA_CLID"}}, "Is this still available?"),
    "context_reply": ({"type": "text", "context": {"from": "15550783881", "id": "wamid.ours"},
                       "text": {"body": "yes, 200 units please"}}, "yes, 200 units please"),
    "unsupported": ({"type": "unsupported", "errors": [{
        "code": 131051, "title": "Message type unknown", "message": "Message type unknown",
        "error_data": {"details": "Message type is currently not supported."}}]},
        "[unsupported: 131051 Message type unknown: Message type is currently not supported.]"),
    "future_type": ({"type": "poll", "poll": {"q": "?"}}, "[poll]"),
}
