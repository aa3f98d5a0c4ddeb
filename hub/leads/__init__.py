"""Lead helpers shared by every lead channel (WhatsApp, email, customs).

``extract`` reads what a buyer asked for, ``assign`` picks the sales rep by the rules
hub.yaml carries, ``match`` finds the lead or customer a message belongs to.
"""
