import { describe, expect, it } from "vitest";

import type { DnsRecord, PlanChange } from "../api/types";
import {
  canProxy,
  desiredForChange,
  exportFileName,
  fullName,
  groupChanges,
  normalizeSpec,
  planChangesSomething,
  recordFieldErrors,
  recordLine,
  ttlLabel,
} from "./dns";

function record(overrides: Partial<DnsRecord>): DnsRecord {
  return {
    id: "r1",
    type: "A",
    name: "www.example.com",
    content: "192.0.2.1",
    ttl: 1,
    proxied: false,
    priority: null,
    comment: "",
    tags: [],
    owned: true,
    ...overrides,
  };
}

function change(action: PlanChange["action"], name: string): PlanChange {
  return { action, type: "A", name, before: null, after: null, changed_fields: [], reason: "" };
}

describe("canProxy", () => {
  it("allows A, AAAA and CNAME only", () => {
    expect(
      ["A", "AAAA", "CNAME", "MX", "TXT", "SRV", "CAA"].filter((t) => canProxy(t as never)),
    ).toEqual(["A", "AAAA", "CNAME"]);
  });
});

describe("ttlLabel", () => {
  it("says auto for 1 and for any proxied record", () => {
    expect(ttlLabel(1, false)).toEqual({ auto: true });
    expect(ttlLabel(3600, true)).toEqual({ auto: true });
  });

  it("shows the largest whole unit", () => {
    expect(ttlLabel(86400, false)).toEqual({ auto: false, text: "1 d" });
    expect(ttlLabel(7200, false)).toEqual({ auto: false, text: "2 h" });
    expect(ttlLabel(300, false)).toEqual({ auto: false, text: "5 min" });
    expect(ttlLabel(90, false)).toEqual({ auto: false, text: "90 s" });
  });
});

describe("normalizeSpec", () => {
  it("never proxies an MX record and gives it a priority", () => {
    expect(
      normalizeSpec({
        type: "MX",
        name: "example.com",
        content: "mx.example.net",
        ttl: 300,
        proxied: true,
        comment: "",
      }),
    ).toEqual({
      type: "MX",
      name: "example.com",
      content: "mx.example.net",
      ttl: 300,
      proxied: false,
      priority: 10,
      comment: "",
    });
  });

  it("makes a proxied record's TTL automatic and drops a priority A has not", () => {
    const spec = normalizeSpec({
      type: "A",
      name: "www.example.com",
      content: "192.0.2.1",
      ttl: 300,
      proxied: true,
      priority: 5,
      comment: "",
    });
    expect([spec.ttl, spec.proxied, spec.priority]).toEqual([1, true, null]);
  });
});

describe("fullName", () => {
  it("reads @, bare labels and full names", () => {
    expect(fullName("@", "example.com")).toBe("example.com");
    expect(fullName("WWW", "example.com")).toBe("www.example.com");
    expect(fullName("www.example.com.", "example.com")).toBe("www.example.com");
  });
});

describe("desiredForChange", () => {
  const records = [
    record({ id: "a", name: "www.example.com", content: "192.0.2.1" }),
    record({ id: "b", name: "www.example.com", content: "192.0.2.2" }),
    record({ id: "c", name: "mail.example.com", content: "192.0.2.3" }),
  ];

  it("adds a record beside the others of its name, nothing else", () => {
    const desired = desiredForChange(
      records,
      { type: "A", name: "www", content: "192.0.2.9", ttl: 1, proxied: false, comment: "" },
      "example.com",
      null,
    );
    expect(desired.map((spec) => `${spec.name} ${spec.content}`)).toEqual([
      "www.example.com 192.0.2.1",
      "www.example.com 192.0.2.2",
      "www.example.com 192.0.2.9",
    ]);
  });

  it("swaps the edited record for its new version", () => {
    const desired = desiredForChange(
      records,
      {
        ...normalizeSpec({
          type: "A",
          name: "www.example.com",
          content: "192.0.2.7",
          ttl: 1,
          proxied: true,
          comment: "",
        }),
      },
      "example.com",
      "b",
    );
    expect(desired.map((spec) => `${spec.content} ${spec.proxied}`)).toEqual([
      "192.0.2.1 false",
      "192.0.2.7 true",
    ]);
  });
});

describe("groupChanges", () => {
  it("groups in the diff's order and leaves out empty groups", () => {
    const groups = groupChanges([
      change("unchanged", "a"),
      change("delete", "b"),
      change("create", "c"),
      change("create", "d"),
    ]);
    expect(groups.map((group) => [group.action, group.changes.map((c) => c.name)])).toEqual([
      ["create", ["c", "d"]],
      ["delete", ["b"]],
      ["unchanged", ["a"]],
    ]);
  });
});

describe("planChangesSomething", () => {
  it("is false when everything is unchanged or kept", () => {
    expect(planChangesSomething([change("unchanged", "a"), change("kept", "b")])).toBe(false);
    expect(planChangesSomething([change("unchanged", "a"), change("update", "b")])).toBe(true);
  });
});

describe("recordLine", () => {
  it("puts the priority before the content and marks a proxied record", () => {
    expect(
      recordLine({ type: "MX", name: "example.com", content: "mx.example.net", priority: 10 }),
    ).toBe("example.com MX 10 mx.example.net");
    expect(
      recordLine({ type: "A", name: "example.com", content: "192.0.2.1", proxied: true }),
    ).toBe("example.com A 192.0.2.1 (proxied)");
  });
});

describe("recordFieldErrors", () => {
  it("reads both the single record's and the record set's field names", () => {
    expect(
      recordFieldErrors({
        "record.content": "bad address",
        "records.2.proxied": "cannot proxy MX",
        "records[0].name": "bad name",
      }),
    ).toEqual({ content: "bad address", proxied: "cannot proxy MX", name: "bad name" });
  });
});

describe("exportFileName", () => {
  it("names YAML .yaml and BIND .zone", () => {
    expect(exportFileName("example.com", "yaml")).toBe("example.com.yaml");
    expect(exportFileName("example.com", "bind")).toBe("example.com.zone");
  });
});
