#!/usr/bin/env python3
"""Computes the expected SDK-HMAC-SHA256 signatures of SdkSignatureVectorTests, independently of the C# signer.

Written from the published algorithm of the Huawei Cloud SDKs (core/auth/signer in huaweicloud-sdk-go-v3):
canonical request = METHOD \\n URI (each segment escaped, ending in '/') \\n sorted query (lower-cased names)
\\n "name:value\\n" per signed header \\n signed header names joined by ';' \\n hex SHA-256 of the body;
string to sign = "SDK-HMAC-SHA256\\n" + X-Sdk-Date + "\\n" + hex SHA-256 of the canonical request;
signature = hex HMAC-SHA256(secret key, string to sign).

Run once (python3 sdk_signature_vectors.py); its output is committed as constants in the test, which never runs it.
"""
import hashlib
import hmac
from urllib.parse import quote


def esc(s):
    return quote(s, safe="-_.~")


def sign(method, path, query, headers, body, ak, sk):
    uri = "/".join(esc(p) for p in path.split("/"))
    if not uri.endswith("/"):
        uri += "/"
    q = sorted((esc(k.lower()), esc(v)) for k, v in query)
    names = sorted(k.lower() for k in headers)
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    canonical = "\n".join([
        method, uri, "&".join(f"{k}={v}" for k, v in q),
        "".join(f"{n}:{lowered[n]}\n" for n in names),
        ";".join(names), hashlib.sha256(body).hexdigest()])
    to_sign = "SDK-HMAC-SHA256\n" + headers["X-Sdk-Date"] + "\n" + hashlib.sha256(canonical.encode()).hexdigest()
    signature = hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    return f"SDK-HMAC-SHA256 Access={ak}, SignedHeaders={';'.join(names)}, Signature={signature}"


# 1. The Go SDK's own published vector (signer_test.go, "test1"): expected ...5a2ce64c865e...
print(sign("GET", "/path", [("limit", "1")], {"X-Sdk-Date": "20060102T150405Z"}, b"", "AccessKey", "SecretKey"))

# 2. A DRS batch-status call as DrsClient sends it with an AK/SK credential.
body = b'{"jobs":["9a470239-2308-4bb5-a6bc-1040402fjb21"],"page_req":{"cur_page":1,"per_page":1}}'
print(sign("POST", "/v3/054ba152d480d55b2f5dc0069e7ddef0/jobs/batch-status", [],
           {"host": "drs.eu-de.otc.t-systems.com", "Content-Type": "application/json",
            "X-Project-Id": "054ba152d480d55b2f5dc0069e7ddef0", "X-Sdk-Date": "20261123T080000Z"},
           body, "HPUAEXAMPLEAK0000001", "example-secret-key-0123456789"))

# 3. Escaping and sorting: a path segment with a space, query names in mixed case, repeated names, reserved characters.
print(sign("GET", "/v3/p 1/jobs", [("Offset", "0"), ("limit", "10"), ("name", "a b/c&d"), ("limit", "5")],
           {"host": "example.com:8443", "X-Sdk-Date": "20261123T080000Z"}, b"", "AK", "SK"))
