// Hosts, ports and URLs: what "all interfaces", "local" and "a database port" mean.

/** A listen/publish address that accepts connections from every network the host is on. */
export function isAllInterfaces(host: string | undefined | null): boolean {
  const h = (host ?? "").trim().replace(/^\[|\]$/g, "");
  return h === "" || h === "0.0.0.0" || h === "::" || h === "*" || h === "0:0:0:0:0:0:0:0";
}

export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  return h === "localhost" || h.endsWith(".localhost") || h === "::1" || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * A host a request to which never leaves the machine or the private network: loopback, RFC 1918,
 * link-local, mDNS `.local`, `.internal`, and single-label names (compose service names like `db`).
 */
export function isLocalHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, "");
  if (h === "" || isLoopbackHost(h)) return true;
  if (!h.includes(".") && !h.includes(":")) return true;
  if (/\.(local|internal|lan|home\.arpa|docker\.internal)$/.test(h)) return true;
  const ip = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(h);
  if (ip) {
    const a = Number(ip[1]);
    const b = Number(ip[2]);
    return (
      a === 10 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      a === 0
    );
  }
  return /^f[cd][0-9a-f]{2}:/.test(h) || h.startsWith("fe80:");
}

/** Default ports of databases, caches, queues and model servers that must never face the internet. */
export const DATA_SERVICE_PORTS: Readonly<Record<number, string>> = {
  5432: "PostgreSQL",
  3306: "MySQL/MariaDB",
  27017: "MongoDB",
  6379: "Redis",
  9200: "Elasticsearch",
  9300: "Elasticsearch transport",
  5984: "CouchDB",
  11434: "Ollama",
  5672: "RabbitMQ",
  15672: "RabbitMQ management",
  1433: "SQL Server",
  8086: "InfluxDB",
  9042: "Cassandra",
  7474: "Neo4j",
  6333: "Qdrant",
  19530: "Milvus",
  8529: "ArangoDB",
  11211: "memcached",
  2379: "etcd",
  9000: "MinIO",
};

export function dataServicePort(port: number | string | undefined | null): string | undefined {
  const n = typeof port === "number" ? port : Number.parseInt(String(port ?? ""), 10);
  return Number.isFinite(n) ? DATA_SERVICE_PORTS[n] : undefined;
}

const REVERSE_PROXY_IMAGE =
  /(^|\/)(nginx|nginxinc\/[\w-]+|caddy|traefik|haproxy|envoyproxy\/envoy|jc21\/nginx-proxy-manager|httpd|openresty\/openresty)(:|@|$)/;

export function isReverseProxyImage(image: string | undefined | null): boolean {
  return REVERSE_PROXY_IMAGE.test((image ?? "").toLowerCase());
}

/** The host of an http:// URL that leaves the private network, if the value is such a URL. */
export function plainHttpRemoteHost(value: string): string | undefined {
  const m = /^http:\/\/([^/?#\s]+)/i.exec(value.trim());
  if (!m) return undefined;
  try {
    const host = new URL(value.trim()).hostname;
    return isLocalHost(host) ? undefined : host;
  } catch {
    return undefined;
  }
}
