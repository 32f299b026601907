import { describe, expect, it } from "vitest";

import type { ClientSetup } from "../api/types";
import {
  bytesToMegabytes,
  clientSetupText,
  formatBytes,
  megabytesToBytes,
  parseDestinations,
  passwordStrength,
  usageTone,
  usageWidth,
} from "./mail";

describe("formatBytes", () => {
  it("uses the largest unit that keeps the number at least 1", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(512)).toBe("512 B");
    expect(formatBytes(1536)).toBe("1.5 KB");
    expect(formatBytes(1024 ** 3)).toBe("1 GB");
    expect(formatBytes(250 * 1024 ** 2)).toBe("250 MB");
  });
});

describe("megabytes", () => {
  it("convert both ways", () => {
    expect(megabytesToBytes(1)).toBe(1_048_576);
    expect(bytesToMegabytes(1_073_741_824)).toBe(1024);
  });
});

describe("usageTone and usageWidth", () => {
  it("warn from 80 % and call 95 % full", () => {
    expect([usageTone(79.9), usageTone(80), usageTone(95)]).toEqual(["ok", "warning", "full"]);
  });

  it("clamp the bar to 0..100", () => {
    expect([usageWidth(-3), usageWidth(42.5), usageWidth(130)]).toEqual([0, 42.5, 100]);
  });
});

describe("passwordStrength", () => {
  it("scores short passwords 0 and long varied ones 4", () => {
    expect(passwordStrength("Ab1!")).toBe(0);
    expect(passwordStrength("abcdefghij")).toBe(1);
    expect(passwordStrength("Tr1cky-Horse!")).toBe(3);
    expect(passwordStrength("Tricky-Horse-42!")).toBe(4);
  });

  it("does not reward repetition", () => {
    expect(passwordStrength("aaaaaaaaaaaaaaaaaaaaaaaa")).toBe(1);
  });
});

describe("parseDestinations", () => {
  it("splits on lines, commas and semicolons, dropping blanks and repeats", () => {
    expect(
      parseDestinations("a@example.org, b@example.org\n\n a@example.org;c@example.org"),
    ).toEqual(["a@example.org", "b@example.org", "c@example.org"]);
  });
});

describe("clientSetupText", () => {
  it("lists the address, servers and notes", () => {
    const setup: ClientSetup = {
      email_address: "ann@example.org",
      username: "ann@example.org",
      incoming: [
        {
          protocol: "imap",
          host: "box.ts.net",
          port: 143,
          security: "none",
          authentication: "normal_password",
        },
      ],
      outgoing: [
        {
          protocol: "smtp",
          host: "box.ts.net",
          port: 587,
          security: "starttls",
          authentication: "normal_password",
        },
      ],
      reachable_over: "tailscale",
      notes: ["Connect over Tailscale."],
    };
    expect(
      clientSetupText(setup, {
        email: "Email",
        username: "User",
        incoming: "In",
        outgoing: "Out",
        security: { none: "plain", starttls: "STARTTLS", ssl: "SSL" },
      }),
    ).toBe(
      [
        "Email: ann@example.org",
        "User: ann@example.org",
        "In:",
        "  IMAP  box.ts.net:143  plain",
        "Out:",
        "  SMTP  box.ts.net:587  STARTTLS",
        "- Connect over Tailscale.",
      ].join("\n"),
    );
  });
});
