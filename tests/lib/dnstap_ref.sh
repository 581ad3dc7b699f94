# tests/lib/dnstap_ref.sh: reference counts of a dnstap capture, decoded by dnstap-ldns (not by our code).
#
#   dnstap_ref FILE [names]   one line per distinct key, sorted:
#                             "zone qtype rcode transport ipver msgtype count"
#   zone is example.test, sample.test or "." (anything else); qtype and rcode are numbers
#   (as capd records them) or, with "names", the mnemonics dnstap-ldns prints (as the SQL
#   views label them); transport 1 UDP 2 TCP; ipver 4/6; msgtype the dnstap type number.
dnstap_ref() {
    dnstap-ldns -y -r "$1" | awk -v names="${2:-}" '
BEGIN {
    T["AUTH_QUERY"]=1; T["AUTH_RESPONSE"]=2; T["CLIENT_QUERY"]=5; T["CLIENT_RESPONSE"]=6
    P["UDP"]=1; P["TCP"]=2; F["INET"]=4; F["INET6"]=6
    Q["A"]=1; Q["NS"]=2; Q["CNAME"]=5; Q["SOA"]=6; Q["MX"]=15; Q["TXT"]=16; Q["AAAA"]=28
    R["NOERROR"]=0; R["FORMERR"]=1; R["SERVFAIL"]=2; R["NXDOMAIN"]=3; R["NOTIMP"]=4; R["REFUSED"]=5
}
function flush() {
    if (type == "") return
    z = "."
    if (qname ~ /(^|\.)example\.test$/) z = "example.test"
    else if (qname ~ /(^|\.)sample\.test$/) z = "sample.test"
    if (names != "") print z, qt, rc, P[proto], F[fam], T[type]
    else print z, (qt in Q ? Q[qt] : "?" qt), (rc in R ? R[rc] : "?" rc), P[proto], F[fam], T[type]
    type = ""; inq = 0
}
/^---/ { flush() }
/^  type: / { type = $2 }
/^  socket_family: / { fam = $2 }
/^  socket_protocol: / { proto = $2 }
/->>HEADER<<-/ { rc = $6; sub(/,$/, "", rc) }
/;; QUESTION SECTION:/ { inq = 1; next }
inq == 1 { split($0, f, "\t"); qname = tolower(f[1]); sub(/^ *;/, "", qname); sub(/\.$/, "", qname); qt = f[3]; inq = 0 }
END { flush() }' | sort | uniq -c | awk '{print $2, $3, $4, $5, $6, $7, $1}' | sort
}
