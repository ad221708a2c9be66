// A local SMTP server for development (nodemailer's smtp-server): every email the service sends
// is written to .mail/<n>-<recipient>.eml and its subject printed. Usage: node scripts/smtp-sink.mjs [port]
import { SMTPServer } from "smtp-server";
import { mkdirSync, writeFileSync } from "node:fs";

const port = Number(process.argv[2] ?? 1025);
const dir = new URL("../.mail/", import.meta.url);
mkdirSync(dir, { recursive: true });
let count = 0;

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ["STARTTLS"],
  onData(stream, session, callback) {
    const chunks = [];
    stream.on("data", (c) => chunks.push(c));
    stream.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const to = session.envelope.rcptTo.map((r) => r.address).join(",");
      const subject = /^Subject: (.*)$/m.exec(text)?.[1] ?? "";
      count += 1;
      writeFileSync(new URL(`${String(count).padStart(3, "0")}-${to.replace(/[^a-zA-Z0-9@.-]/g, "_")}.eml`, dir), text);
      console.log(`smtp-sink: mail to ${to}: ${subject}`);
      callback();
    });
  },
});
server.listen(port, "127.0.0.1", () => console.log(`smtp-sink: listening on 127.0.0.1:${port}, writing .mail/`));
