/**
 * The just-in-time provisioning (JITP) template this project ships: what
 * AWS IoT Core does, with the provisioning role, the first time a device
 * whose certificate a registered CA signed connects (AWS IoT Core developer
 * guide, "Just-in-time provisioning" and "Provisioning templates"):
 *
 * - creates (or finds) the thing named after the certificate's subject CN
 *   (`AWS::IoT::Certificate::CommonName`: the device id this API issues);
 * - activates the certificate (`AWS::IoT::Certificate::Id`, IoT's id) and
 *   attaches it to that thing;
 * - attaches the device policy below, which IoT creates once (its name is
 *   derived from the document) and shares between devices: each device may
 *   connect only with its thing's name as MQTT client id, and only while its
 *   certificate is attached to that thing, and may publish, subscribe and
 *   receive only under `things/<its thing name>/`.
 *
 * The policy's ARNs leave Region and account as `*`: IoT evaluates a
 * device's policy in the account and Region it connects to, so nothing is
 * widened, and the template stays the same wherever the stack runs.
 */

/** The policy variable IoT replaces with the connected device's thing name. */
// biome-ignore lint/suspicious/noTemplateCurlyInString: an IoT policy variable, which IoT (not JavaScript) replaces
const THING_NAME = "${iot:Connection.Thing.ThingName}";

/** The IoT policy the default template attaches to each provisioned certificate. */
export const DEFAULT_DEVICE_POLICY = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: "iot:Connect",
      Resource: `arn:aws:iot:*:*:client/${THING_NAME}`,
      Condition: { Bool: { "iot:Connection.Thing.IsAttached": "true" } },
    },
    {
      Effect: "Allow",
      Action: ["iot:Publish", "iot:Receive"],
      Resource: `arn:aws:iot:*:*:topic/things/${THING_NAME}/*`,
    },
    {
      Effect: "Allow",
      Action: "iot:Subscribe",
      Resource: `arn:aws:iot:*:*:topicfilter/things/${THING_NAME}/*`,
    },
  ],
} as const;

/** The default JITP template (a provisioning template body, as an object). */
export const DEFAULT_PROVISIONING_TEMPLATE = {
  Parameters: {
    "AWS::IoT::Certificate::CommonName": { Type: "String" },
    "AWS::IoT::Certificate::Id": { Type: "String" },
  },
  Resources: {
    thing: {
      Type: "AWS::IoT::Thing",
      Properties: {
        ThingName: { Ref: "AWS::IoT::Certificate::CommonName" },
        AttributePayload: { provisioned_by: "iot-certificates-jitp" },
      },
    },
    certificate: {
      Type: "AWS::IoT::Certificate",
      Properties: {
        CertificateId: { Ref: "AWS::IoT::Certificate::Id" },
        Status: "ACTIVE",
      },
    },
    policy: {
      Type: "AWS::IoT::Policy",
      // IoT takes the policy document as JSON text inside the template.
      Properties: { PolicyDocument: JSON.stringify(DEFAULT_DEVICE_POLICY) },
    },
  },
} as const;

/** The default template as IoT's `registrationConfig.templateBody` takes it: JSON text. */
export const DEFAULT_PROVISIONING_TEMPLATE_BODY = JSON.stringify(DEFAULT_PROVISIONING_TEMPLATE);

/** Longest `templateBody` IoT accepts (RegisterCACertificate's RegistrationConfig). */
export const MAX_PROVISIONING_TEMPLATE_LENGTH = 10_240;
