import type { SQSRecord } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { succeededRecords, toSqsEvent } from "./event-source.js";

const records = toSqsEvent(
  [
    { MessageId: "m1", ReceiptHandle: "r1", Body: "a", MD5OfBody: "x", Attributes: { ApproximateReceiveCount: "1" } },
    { MessageId: "m2", ReceiptHandle: "r2", Body: "b", MD5OfBody: "y" },
  ],
  "arn:aws:sqs:us-east-1:000000000000:q",
  "us-east-1",
).Records;
const ids = (rs: SQSRecord[]) => rs.map((r) => r.messageId);

describe("succeededRecords (Lambda's ReportBatchItemFailures rules)", () => {
  it("counts every record as done when the handler returns nothing or no failures", () => {
    expect(ids(succeededRecords(records, undefined))).toEqual(["m1", "m2"]);
    expect(ids(succeededRecords(records, {}))).toEqual(["m1", "m2"]);
    expect(ids(succeededRecords(records, { batchItemFailures: [] }))).toEqual(["m1", "m2"]);
  });

  it("keeps the listed records for redelivery", () => {
    expect(ids(succeededRecords(records, { batchItemFailures: [{ itemIdentifier: "m2" }] }))).toEqual(["m1"]);
  });

  it("fails the whole batch when an identifier is unknown, empty or malformed", () => {
    expect(succeededRecords(records, { batchItemFailures: [{ itemIdentifier: "nope" }] })).toEqual([]);
    expect(succeededRecords(records, { batchItemFailures: [{ itemIdentifier: "" }] })).toEqual([]);
    expect(succeededRecords(records, { batchItemFailures: [{}] })).toEqual([]);
    expect(succeededRecords(records, { batchItemFailures: "m1" })).toEqual([]);
  });
});

describe("toSqsEvent", () => {
  it("spells records as Lambda does: camelCase attributes, base64 binary values", () => {
    const [record] = toSqsEvent(
      [
        {
          MessageId: "m",
          ReceiptHandle: "r",
          Body: "{}",
          MD5OfBody: "d",
          MessageAttributes: { blob: { DataType: "Binary", BinaryValue: new Uint8Array([1, 2, 3]) } },
        },
      ],
      "arn",
      "eu-west-1",
    ).Records;
    expect(record).toMatchObject({
      eventSource: "aws:sqs",
      eventSourceARN: "arn",
      awsRegion: "eu-west-1",
      messageAttributes: { blob: { dataType: "Binary", binaryValue: "AQID" } },
    });
    expect(record?.attributes.ApproximateReceiveCount).toBe("1");
  });
});
