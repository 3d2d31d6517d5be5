"""A self-signed TLS certificate for the sandbox servers that must speak HTTPS.

``simple-salesforce`` always builds ``https://`` URLs, so the sandbox Salesforce server
needs a certificate.  ``ensure_certificate`` writes one for ``localhost`` / ``127.0.0.1``
(an EC P-256 key, valid for a year) into a directory and reuses it while it stays valid,
so a CA file exported as ``SFDC_CA_BUNDLE`` keeps working across server restarts.  The
certificate is its own CA: the client trusts exactly that file, nothing else changes.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

log = logging.getLogger(__name__)

DNS_NAMES = ("localhost",)
IP_ADDRESSES = ("127.0.0.1", "::1")
VALID_DAYS = 365
RENEW_BEFORE = timedelta(days=1)
CERT_FILE = "sandbox-cert.pem"
KEY_FILE = "sandbox-key.pem"


@dataclass(frozen=True)
class Certificate:
    cert_path: Path  # PEM certificate: also the CA file a client trusts
    key_path: Path  # PEM private key (unencrypted, mode 0600)

    def server_context(self) -> ssl.SSLContext:
        """An ``SSLContext`` for a server presenting this certificate."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(str(self.cert_path), str(self.key_path))
        return context


def ensure_certificate(directory: Path) -> Certificate:
    """The certificate in ``directory``, made now unless a usable one is already there."""
    directory.mkdir(parents=True, exist_ok=True)
    found = Certificate(directory / CERT_FILE, directory / KEY_FILE)
    if _usable(found):
        return found
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _self_signed(key)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(found.key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_pem)
    found.cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    log.info("sandbox TLS certificate written to %s", found.cert_path)
    return found


def _self_signed(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "psops sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
        ]
    )
    now = datetime.now(UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in DNS_NAMES]
    alt_names += [x509.IPAddress(ipaddress.ip_address(a)) for a in IP_ADDRESSES]
    public = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )


def _usable(found: Certificate) -> bool:
    if not (found.cert_path.is_file() and found.key_path.is_file()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(found.cert_path.read_bytes())
        key = serialization.load_pem_private_key(found.key_path.read_bytes(), password=None)
    except ValueError:
        return False
    spki = (serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    if cert.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
        return False
    return cert.not_valid_after_utc - datetime.now(UTC) > RENEW_BEFORE
