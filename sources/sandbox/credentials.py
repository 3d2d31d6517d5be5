"""The sandbox servers' credentials.  They guard nothing real: they exist so that the
connectors authenticate exactly as they do against the real APIs, and so that a wrong
token gets the real 401."""

JIRA_USER = "psops-bot@psops.example"
JIRA_API_TOKEN = "sandbox-jira-api-token"
SFDC_ACCESS_TOKEN = "00Dsandbox!sandbox-sfdc-access-token"
KANTATA_TOKEN = "sandbox-kantata-token"
