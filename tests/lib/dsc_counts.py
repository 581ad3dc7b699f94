#!/usr/bin/python3
# tests/lib/dsc_counts.py: DSC's expected counts (its XML or JSON gold files) and capd's records, as the same "dataset dim1 dim2 count" lines.
#
#   dsc_counts.py gold GOLD_FILE          the datasets below found in DSC's output file
#   dsc_counts.py capd DATASET,... < DUMP  the same datasets from `dnsa-sender -x` (one staged record
#                                          a line), each record counted with its weight
# Datasets, as DSC's test configurations define them (dsc.conf(5)): qtype, opcode, edns_version,
# edns_bufsiz, do_bit, transport_vs_qtype count queries (QR=0); rcode counts replies (QR=1);
# dns_ip_version, qclass and qname count both.
import base64
import json
import sys
import xml.etree.ElementTree as ET

DATASETS = ("qtype", "rcode", "opcode", "edns_version", "edns_bufsiz", "do_bit",
            "transport_vs_qtype", "dns_ip_version", "qclass", "qname")
# capd's transports (common/record.h) by DSC's names. DSC files DoT and DoH under "tcp"; capd
# keeps them apart (dot, doh): the one deliberate difference, mapped here and checked on its own
# by the test.
TRANSPORT = {"1": "udp", "2": "tcp", "3": "tcp", "4": "tcp"}


def text(val, b64):
    return base64.b64decode(val).decode("latin-1") if b64 else str(val)


def gold(path):
    raw = open(path, encoding="utf-8").read()
    out = []
    if raw.lstrip().startswith("["):
        for arr in json.loads(raw):
            if arr["name"] not in DATASETS:
                continue
            d1, d2 = arr["dimensions"]
            for row in arr["data"]:
                for cell in row[d2]:
                    out.append((arr["name"], str(row[d1]), text(cell["val"], cell.get("base64")), int(cell["count"])))
    else:
        for arr in ET.fromstring(raw).findall("array"):
            if arr.get("name") not in DATASETS:
                continue
            for row in arr.find("data"):
                for cell in row:
                    out.append((arr.get("name"), text(row.get("val"), row.get("base64") == "1"),
                                text(cell.get("val"), cell.get("base64") == "1"), int(cell.get("count"))))
    return out


def bufsiz(udp):
    lo = udp // 512 * 512   # DSC's bins of 512 bytes
    return "%d-%d" % (lo, lo + 511)


def capd(wanted, lines):
    counts = {}
    for line in lines:
        f = line.rstrip("\n").split(" ")
        if len(f) < 18:
            continue
        qname, qtype, qclass, opcode, rcode = f[2], f[3], f[4], f[5], f[6]
        flags, transport, ipver, has = int(f[7], 16), f[8], f[9], int(f[11], 16)
        ver, udp, do, _ecs = f[12][len("edns="):].split("/")
        weight = int(f[-1][len("w="):])
        edns = has & 1   # RH_EDNS
        keys = [("dns_ip_version", "ALL", "IPv" + ipver), ("qclass", "ALL", qclass), ("qname", "ALL", qname)]
        if flags & 0x8000:
            keys.append(("rcode", "ALL", rcode))
        else:
            keys += [("qtype", "ALL", qtype), ("opcode", "ALL", opcode),
                     ("edns_version", "ALL", ver if edns else "none"),
                     ("edns_bufsiz", "ALL", bufsiz(int(udp)) if edns else "None"),
                     ("do_bit", "ALL", "set" if edns and do == "1" else "clr"),
                     ("transport_vs_qtype", TRANSPORT.get(transport, "transport" + transport), qtype)]
        for k in keys:
            if k[0] in wanted:
                counts[k] = counts.get(k, 0) + weight
    return [k + (c,) for k, c in counts.items()]


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "gold":
        rows = gold(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "capd":
        rows = capd(set(sys.argv[2].split(",")), sys.stdin)
    else:
        sys.exit("usage: dsc_counts.py gold FILE | capd DATASET,... < DUMP")
    for r in sorted("%s %s %s %d" % r for r in rows):
        print(r)


main()
