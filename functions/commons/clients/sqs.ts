import { SQSClient } from "@aws-sdk/client-sqs";

/** Built once per process; the local runtime points it at the in-process SQS server via AWS_ENDPOINT_URL_SQS. */
export const sqs = new SQSClient({});
