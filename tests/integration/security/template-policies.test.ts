/**
 * Least privilege and secure defaults, read from the templates themselves:
 *
 * template.yaml: no IAM statement allows a wildcard action; no managed policy
 * or broad SAM policy template; every S3 object permission names a key prefix
 * (never `bucket/*`); only the server-certificate functions (issue, renew)
 * may import into ACM, and only on certificate ARNs; only the functions that
 * emit certificate events may put events, and only on the stack's bus (or the
 * default bus, by parameter); the expiry scan reads no certificate and its
 * schedule may only invoke it; only the CA-creating functions may create, tag
 * and alias KMS keys, only with this stack's tags; only signing functions may
 * kms:Sign, only on keys carrying this stack's tag; only the IoT registration function may
 * register CAs with AWS IoT Core and pass a role, only the stack's provisioning role to IoT,
 * and that role may make only the calls of the default JITP template; the API's default authorizer is AWS_IAM,
 * every route is on that API, and the SAM transform really puts SigV4 on
 * every method (and none only when ApiAuthorization=NONE is chosen).
 *
 * common-infra.yaml: the bucket blocks all public access, is versioned,
 * encrypted by default, denies plain-HTTP access and survives stack deletion.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readTemplate, samTranslate, type Template } from "../../support/security/cloudformation.js";

const template = readTemplate("template.yaml");
const commonInfra = readTemplate("common-infra.yaml");

interface Statement {
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

interface FoundStatement {
  owner: string;
  statement: Statement;
}

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Managed policies a function may have: logging and tracing only. */
const ALLOWED_MANAGED_POLICIES = new Set(["AWSLambdaBasicExecutionRole", "AWSXrayWriteOnlyAccess"]);

/** SAM policy templates that grant whole buckets, tables or services. */
const BROAD_POLICY_TEMPLATE = /FullAccess|Crud|Admin|PowerUser|^S3(Read|Write)Policy$/;

/** Actions AWS only grants on Resource "*". */
const ACTIONS_WITHOUT_RESOURCES = new Set([
  "xray:PutTraceSegments",
  "xray:PutTelemetryRecords",
  "cloudwatch:PutMetricData",
  // A new key has no ARN yet; tags given to CreateKey need TagResource on "*" too. Both are bounded by tag conditions (checked below).
  "kms:CreateKey",
  "kms:TagResource",
  // IoT actions with no resource type (Service Authorization Reference, AWS IoT); checked below.
  "iot:RegisterCACertificate",
  "iot:GetRegistrationCode",
  "iot:DescribeEndpoint",
  "iot:RegisterThing",
  "iot:RegisterCertificate",
  "iot:RegisterCertificateWithoutCA",
  "iot:AttachThingPrincipal",
]);

function functionsOf(t: Template) {
  return Object.entries(t.Resources).filter(([, resource]) => resource.Type === "AWS::Serverless::Function");
}

/** Every IAM statement the template grants, with the resource that holds it; fails on policies that are not inline statements. */
function statementsOf(t: Template): { statements: FoundStatement[]; problems: string[] } {
  const statements: FoundStatement[] = [];
  const problems: string[] = [];
  const addDocument = (owner: string, document: any) => {
    for (const statement of asArray(document?.Statement)) statements.push({ owner, statement });
  };
  if (t.Globals?.Function?.Policies) problems.push("Globals.Function.Policies gives every function the same rights");
  for (const [id, resource] of Object.entries(t.Resources)) {
    const properties = resource.Properties ?? {};
    if (resource.Type === "AWS::Serverless::Function" || resource.Type === "AWS::Serverless::StateMachine") {
      for (const policy of asArray(properties.Policies)) {
        if (typeof policy === "string") {
          if (!ALLOWED_MANAGED_POLICIES.has(policy)) problems.push(`${id}: managed policy ${policy}`);
        } else if (policy && typeof policy === "object" && "Statement" in policy) {
          addDocument(id, policy);
        } else if (policy && typeof policy === "object") {
          for (const name of Object.keys(policy)) {
            if (BROAD_POLICY_TEMPLATE.test(name)) problems.push(`${id}: broad SAM policy template ${name}`);
            else problems.push(`${id}: SAM policy template ${name} (write inline statements with prefixes instead)`);
          }
        } else {
          problems.push(`${id}: unreadable policy ${JSON.stringify(policy)}`);
        }
      }
      if (properties.Role) problems.push(`${id}: a Role set by hand bypasses these checks`);
    }
    if (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") {
      addDocument(id, properties.PolicyDocument);
    }
    if (resource.Type === "AWS::IAM::Role") {
      for (const policy of asArray<any>(properties.Policies)) addDocument(id, policy.PolicyDocument);
      for (const arn of asArray(properties.ManagedPolicyArns))
        problems.push(`${id}: managed policy ${JSON.stringify(arn)}`);
    }
    if (resource.Type === "AWS::S3::BucketPolicy") addDocument(id, properties.PolicyDocument);
  }
  return { statements, problems };
}

/** Where an S3 permission applies: the whole bucket, or objects under a path. */
function s3Target(resource: unknown): { kind: "bucket" } | { kind: "objects"; path: string } | { kind: "unknown" } {
  if (resource && typeof resource === "object") {
    const value = resource as Record<string, any>;
    if ("Fn::ImportValue" in value || "Fn::GetAtt" in value) return { kind: "bucket" };
    if ("Fn::Sub" in value) {
      const text: string = Array.isArray(value["Fn::Sub"]) ? value["Fn::Sub"][0] : value["Fn::Sub"];
      const match = /^\$\{[A-Za-z0-9.:]+\}(?:\/(.*))?$/.exec(text);
      if (match) return match[1] === undefined ? { kind: "bucket" } : { kind: "objects", path: match[1] };
    }
  }
  if (typeof resource === "string") {
    const match = /^arn:[^:]+:s3:::[^/]+(?:\/(.*))?$/.exec(resource);
    if (match) return match[1] === undefined ? { kind: "bucket" } : { kind: "objects", path: match[1] };
  }
  return { kind: "unknown" };
}

/** S3 actions that apply to a bucket rather than to objects. */
const BUCKET_LEVEL_S3_ACTIONS = new Set(["s3:ListBucket", "s3:GetBucketLocation"]);

function render(value: unknown): string {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && "Fn::Sub" in value) {
    const sub = (value as Record<string, unknown>)["Fn::Sub"];
    return String(Array.isArray(sub) ? sub[0] : sub);
  }
  return JSON.stringify(value);
}

describe("template.yaml: IAM policies are least privilege", () => {
  const { statements, problems } = statementsOf(template);
  const allows = statements.filter(({ statement }) => statement.Effect === "Allow");

  it("has only inline statements: no managed policy, no broad SAM policy template, no hand-made role", () => {
    expect(problems).toEqual([]);
    expect(allows.length).toBeGreaterThan(0);
  });

  it("never allows a wildcard action, NotAction or NotResource", () => {
    for (const { owner, statement } of statements) {
      expect(statement.NotAction, owner).toBeUndefined();
      expect(statement.NotResource, owner).toBeUndefined();
      for (const action of asArray(statement.Action)) {
        expect(typeof action, `${owner}: ${JSON.stringify(action)}`).toBe("string");
        expect(action, owner).not.toBe("*");
        expect(action, owner).not.toMatch(/^[A-Za-z0-9-]+:\*$/);
        expect(action, `${owner}: ${action}`).not.toContain("*");
      }
    }
  });

  it('never allows Resource "*" (except for the few actions AWS only grants that way)', () => {
    for (const { owner, statement } of allows) {
      const resources = asArray(statement.Resource);
      expect(resources.length, owner).toBeGreaterThan(0);
      if (resources.includes("*")) {
        for (const action of asArray(statement.Action)) {
          expect(ACTIONS_WITHOUT_RESOURCES.has(action), `${owner}: ${action} on "*"`).toBe(true);
        }
      }
    }
  });

  it("grants S3 object actions only under named key prefixes, never on bucket/*", () => {
    const s3Statements = allows.filter(({ statement }) => asArray(statement.Action).some((a) => a.startsWith("s3:")));
    expect(s3Statements.length).toBeGreaterThan(0);
    for (const { owner, statement } of s3Statements) {
      const actions = asArray(statement.Action);
      expect(
        actions.every((action) => action.startsWith("s3:")),
        `${owner}: mixes S3 and other actions`,
      ).toBe(true);
      for (const resource of asArray(statement.Resource)) {
        const target = s3Target(resource);
        const where = `${owner}: ${render(resource)}`;
        expect(target.kind, where).not.toBe("unknown");
        if (target.kind === "bucket") {
          // Only listing applies to the bucket itself (it turns a missing key's 403 into a 404).
          expect(
            actions.filter((action) => !BUCKET_LEVEL_S3_ACTIONS.has(action)),
            where,
          ).toEqual([]);
        }
        if (target.kind === "objects") {
          expect(
            actions.filter((action) => BUCKET_LEVEL_S3_ACTIONS.has(action)),
            where,
          ).toEqual([]);
          // A literal first path segment (root_ca/, server_certificates/, …) before any wildcard.
          expect(target.path, where).toMatch(/^[A-Za-z0-9_.-]+\//);
          expect(target.path, where).not.toMatch(/^\*/);
        }
      }
    }
  });

  it("lets only the server-certificate functions (issue, renew) import into ACM, and only on certificate ARNs", () => {
    const acmImport = allows.filter(({ statement }) =>
      asArray(statement.Action).some((action) =>
        ["acm:ImportCertificate", "acm:AddTagsToCertificate"].includes(action),
      ),
    );
    const owners = [...new Set(acmImport.map(({ owner }) => owner))].sort();
    expect(owners).toEqual(["IssueServerCertificateFunction", "RenewServerCertificateFunction"]);
    expect(template.Resources.IssueServerCertificateFunction?.Properties?.Handler).toMatch(
      /^issue-server-certificate\./,
    );
    // The renew module serves both kinds; this function's only route is the server one.
    const renewServer = template.Resources.RenewServerCertificateFunction;
    expect(Object.values<any>(renewServer?.Properties?.Events ?? {}).map((event) => event.Properties?.Path)).toEqual([
      "/certificates/server/{serial_number}/renew",
    ]);
    for (const { statement } of acmImport) {
      for (const resource of asArray(statement.Resource)) {
        expect(resource).not.toBe("*");
        expect(render(resource)).toMatch(
          /^arn:(\$\{AWS::Partition\}|aws):acm:(\$\{AWS::Region\}|[a-z0-9-]+):(\$\{AWS::AccountId\}|\d{12}):certificate\/[*A-Za-z0-9-]+$/,
        );
      }
    }
    // No other function touches ACM at all.
    for (const { owner, statement } of allows) {
      if (owners.includes(owner)) continue;
      expect(
        asArray(statement.Action).filter((action) => action.startsWith("acm:")),
        owner,
      ).toEqual([]);
    }
  });
});

/** The functions that emit certificate events (docs/lifecycle.md). */
const EMITTING_FUNCTIONS = [
  "CreateIntermediateCertificateAuthorityFunction",
  "CreateRootCertificateAuthorityFunction",
  "GetCertificateRevocationListFunction",
  "IotCertificateProviderFunction",
  "IssueDeviceBatchFunction",
  "IssueDeviceCertificateFunction",
  "IssueServerCertificateFunction",
  "RenewDeviceCertificateFunction",
  "RenewServerCertificateFunction",
  "RevokeCertificateFunction",
  "ScanExpiringCertificatesFunction",
];

describe("template.yaml: certificate events and the expiry scan are least privilege", () => {
  const { statements } = statementsOf(template);
  const allows = statements.filter(({ statement }) => statement.Effect === "Allow");
  const stackBus = {
    "Fn::If": [
      "CreateEventBus",
      { "Fn::GetAtt": "CertificateEventBus.Arn" },
      { "Fn::Sub": `arn:\${AWS::Partition}:events:\${AWS::Region}:\${AWS::AccountId}:event-bus/default` },
    ],
  };

  it("lets exactly the functions that emit put events, only events:PutEvents, only on the stack's bus", () => {
    const eventStatements = allows.filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith("events:")),
    );
    expect([...new Set(eventStatements.map(({ owner }) => owner))].sort()).toEqual(EMITTING_FUNCTIONS);
    for (const { owner, statement } of eventStatements) {
      expect(asArray(statement.Action), owner).toEqual(["events:PutEvents"]);
      expect(statement.Resource, owner).toEqual(stackBus);
      expect(statement.Condition, owner).toBeUndefined();
    }
    // The read-only functions send nothing.
    for (const id of ["ListCertificatesFunction", "GetCertificateFunction", "GetOpenApiFunction"]) {
      expect(eventStatements.map(({ owner }) => owner)).not.toContain(id);
    }
  });

  it("creates the bus for the stack unless EventBus=default, and tells the functions the bus their policy names", () => {
    const bus = template.Resources.CertificateEventBus;
    expect(bus?.Type).toBe("AWS::Events::EventBus");
    expect(bus?.Condition).toBe("CreateEventBus");
    expect(template.Conditions?.CreateEventBus).toEqual({ "Fn::Equals": [{ Ref: "EventBus" }, "stack"] });
    expect(template.Parameters?.EventBus?.Default).toBe("stack");
    expect([...(template.Parameters?.EventBus?.AllowedValues ?? [])].sort()).toEqual(["default", "stack"]);
    expect(template.Globals?.Function?.Environment?.Variables?.EVENT_BUS_NAME).toEqual({
      "Fn::If": ["CreateEventBus", { Ref: "CertificateEventBus" }, "default"],
    });
  });

  it("lets the expiry scan list keys and write its warning markers, and read no certificate", () => {
    const scan = allows.filter(({ owner }) => owner === "ScanExpiringCertificatesFunction");
    const s3 = scan.filter(({ statement }) => asArray(statement.Action).some((action) => action.startsWith("s3:")));
    expect(s3.flatMap(({ statement }) => asArray(statement.Action)).sort()).toEqual(["s3:ListBucket", "s3:PutObject"]);
    const put = s3.find(({ statement }) => asArray(statement.Action).includes("s3:PutObject"));
    expect(asArray(put?.statement.Resource).map(render)).toEqual([`\${BucketArn}/expiry_warnings/*`]);
    expect(scan.flatMap(({ statement }) => asArray(statement.Action)).sort()).toEqual([
      "events:PutEvents",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
  });

  it("runs the expiry scan on a schedule (ExpiryScanSchedule, daily by default) whose role may only invoke it", () => {
    const fn = template.Resources.ScanExpiringCertificatesFunction;
    const events = Object.values<any>(fn?.Properties?.Events ?? {});
    expect(events.map((event) => event.Type)).toEqual(["ScheduleV2"]);
    expect(events[0]?.Properties?.ScheduleExpression).toEqual({ Ref: "ExpiryScanSchedule" });
    expect(template.Parameters?.ExpiryScanSchedule?.Default).toBe("rate(1 day)");
    expect(template.Parameters?.ExpiryWarningDays?.Default).toBe("30,7,1");
    expect(fn?.Properties?.Environment?.Variables?.EXPIRY_WARNING_DAYS).toEqual({ Ref: "ExpiryWarningDays" });

    const [translated] = samTranslate("template.yaml", [{ CommonInfraStackName: "common" }]);
    const resources = Object.entries(translated?.Resources ?? {});
    const schedules = resources.filter(([, resource]) => resource.Type === "AWS::Scheduler::Schedule");
    expect(schedules).toHaveLength(1);
    const target = schedules[0]?.[1].Properties?.Target;
    expect(target?.Arn).toEqual({ "Fn::GetAtt": ["ScanExpiringCertificatesFunction", "Arn"] });
    const roleId = target?.RoleArn?.["Fn::GetAtt"]?.[0];
    const role = translated?.Resources[roleId];
    expect(role?.Properties?.AssumeRolePolicyDocument?.Statement?.[0]?.Principal).toEqual({
      Service: ["scheduler.amazonaws.com"],
    });
    const granted = asArray<any>(role?.Properties?.Policies).flatMap((policy) =>
      asArray<Statement>(policy.PolicyDocument?.Statement),
    );
    expect(granted).toEqual([
      {
        Action: "lambda:InvokeFunction",
        Effect: "Allow",
        Resource: { "Fn::GetAtt": ["ScanExpiringCertificatesFunction", "Arn"] },
      },
    ]);
  });
});

describe("template.yaml: KMS CA keys are created, tagged and used only within this stack's tags", () => {
  const { statements } = statementsOf(template);
  const allows = statements.filter(({ statement }) => statement.Effect === "Allow");
  const kmsAllows = allows.filter(({ statement }) => asArray(statement.Action).some((a) => a.startsWith("kms:")));
  const ownersOf = (actions: string[]) =>
    [
      ...new Set(
        kmsAllows
          .filter(({ statement }) => asArray(statement.Action).some((action) => actions.includes(action)))
          .map(({ owner }) => owner),
      ),
    ].sort();
  const CA_CREATORS = ["CreateIntermediateCertificateAuthorityFunction", "CreateRootCertificateAuthorityFunction"];
  const STACK_TAG = { Ref: "AWS::StackName" };
  const TAG_KEYS = ["iot-certificates:stack", "iot-certificates:ca-kind", "iot-certificates:ca-name"];
  /** CloudFormation Fn::Sub texts, not JavaScript templates. */
  const sub = (text: string) => text.replaceAll("#{", "${");
  const KEY_ARN = sub("arn:#{AWS::Partition}:kms:#{AWS::Region}:#{AWS::AccountId}:key/*");

  it("declares DefaultCaKeyStorage (s3 or kms, default s3) and passes it and the stack name to every function", () => {
    expect(template.Parameters?.DefaultCaKeyStorage).toMatchObject({ Default: "s3", AllowedValues: ["s3", "kms"] });
    expect(template.Globals?.Function?.Environment?.Variables).toMatchObject({
      DEFAULT_CA_KEY_STORAGE: { Ref: "DefaultCaKeyStorage" },
      STACK_NAME: STACK_TAG,
    });
  });

  it("lets only the CA-creating functions create, tag, alias or delete keys", () => {
    for (const action of [
      "kms:CreateKey",
      "kms:TagResource",
      "kms:CreateAlias",
      "kms:DeleteAlias",
      "kms:ScheduleKeyDeletion",
    ]) {
      expect(ownersOf([action]), action).toEqual(CA_CREATORS);
    }
    expect(ownersOf(["kms:GetPublicKey"])).toEqual(CA_CREATORS);
  });

  it("creates and tags keys only with this stack's tag keys and value, and only as signing keys", () => {
    const creating = kmsAllows.filter(({ statement }) =>
      asArray(statement.Action).some((action) => ["kms:CreateKey", "kms:TagResource"].includes(action)),
    );
    expect(creating).toHaveLength(4);
    for (const { owner, statement } of creating) {
      expect(asArray(statement.Action).length, owner).toBe(1);
      expect(statement.Condition?.StringEquals?.["aws:RequestTag/iot-certificates:stack"], owner).toEqual(STACK_TAG);
      expect(statement.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"], owner).toEqual(TAG_KEYS);
      if (asArray(statement.Action)[0] === "kms:CreateKey") {
        expect(statement.Condition?.StringEquals?.["kms:KeyUsage"], owner).toBe("SIGN_VERIFY");
      }
    }
  });

  it("names aliases only under alias/<stack>/", () => {
    for (const { owner, statement } of kmsAllows) {
      for (const resource of asArray(statement.Resource)) {
        if (render(resource).includes(":alias/")) {
          expect(render(resource), owner).toBe(
            sub("arn:#{AWS::Partition}:kms:#{AWS::Region}:#{AWS::AccountId}:alias/#{AWS::StackName}/*"),
          );
          expect(asArray(statement.Action).sort(), owner).toEqual(["kms:CreateAlias", "kms:DeleteAlias"]);
        }
      }
    }
  });

  it("signs and reads public keys only on keys carrying this stack's tag, from the signing functions only", () => {
    expect(ownersOf(["kms:Sign"])).toEqual(
      [
        ...CA_CREATORS,
        "GetCertificateRevocationListFunction",
        "IotCertificateProviderFunction",
        "IssueDeviceBatchFunction",
        "IssueDeviceCertificateFunction",
        "IssueServerCertificateFunction",
        "RegisterCaWithIotFunction",
        "RenewDeviceCertificateFunction",
        "RenewServerCertificateFunction",
        "RevokeCertificateFunction",
      ].sort(),
    );
    for (const { owner, statement } of kmsAllows) {
      const actions = asArray(statement.Action);
      if (actions.some((action) => ["kms:CreateKey", "kms:TagResource"].includes(action))) continue;
      for (const resource of asArray(statement.Resource)) {
        if (render(resource).includes(":alias/")) continue;
        expect(render(resource), owner).toBe(KEY_ARN);
        expect(statement.Condition?.StringEquals?.["aws:ResourceTag/iot-certificates:stack"], owner).toEqual(STACK_TAG);
      }
    }
    // Reading functions never touch KMS.
    for (const owner of ["GetCertificateFunction", "ListCertificatesFunction", "GetOpenApiFunction"]) {
      expect(kmsAllows.filter((found) => found.owner === owner)).toEqual([]);
    }
  });
});

describe("template.yaml: AWS IoT Core device registration is least privilege", () => {
  const { statements } = statementsOf(template);
  const allows = statements.filter(({ statement }) => statement.Effect === "Allow");
  const iotDeviceActions = [
    "iot:RegisterCertificate",
    "iot:RegisterCertificateWithoutCA",
    "iot:CreateThing",
    "iot:DescribeThing",
    "iot:AttachThingPrincipal",
    "iot:AttachPolicy",
    "iot:UpdateCertificate",
  ];
  /** Functions only: the JIT provisioning role IoT assumes has its own test below. */
  const functionAllows = allows.filter(({ owner }) => template.Resources[owner]?.Type === "AWS::Serverless::Function");
  /** The IoT device actions each function may call, sorted. */
  const granted = (owner: string) =>
    functionAllows
      .filter((found) => found.owner === owner)
      .flatMap(({ statement }) => asArray(statement.Action))
      .filter((action) => iotDeviceActions.includes(action))
      .sort();
  const REGISTER = [
    "iot:AttachPolicy",
    "iot:AttachThingPrincipal",
    "iot:CreateThing",
    "iot:DescribeThing",
    "iot:RegisterCertificate",
    "iot:RegisterCertificateWithoutCA",
  ];
  /** Fn::Sub texts, not JavaScript templates. */
  const sub = (text: string) => text.replaceAll("#{", "${");

  it("lets the device issuing functions register and attach, the revoke function only set a status, the retry route and device renewal (revoke_previous) both", () => {
    expect(granted("IssueDeviceCertificateFunction")).toEqual(REGISTER);
    expect(granted("IssueDeviceBatchFunction")).toEqual(REGISTER);
    expect(granted("RevokeCertificateFunction")).toEqual(["iot:UpdateCertificate"]);
    expect(granted("RegisterDeviceWithIotFunction")).toEqual([...REGISTER, "iot:UpdateCertificate"].sort());
    expect(granted("RenewDeviceCertificateFunction")).toEqual([...REGISTER, "iot:UpdateCertificate"].sort());
    expect(granted("RenewServerCertificateFunction")).toEqual([]);
    const owners = [
      ...new Set(
        functionAllows
          .filter(({ statement }) => asArray(statement.Action).some((action) => iotDeviceActions.includes(action)))
          .map(({ owner }) => owner),
      ),
    ].sort();
    expect(owners).toEqual([
      "IssueDeviceBatchFunction",
      "IssueDeviceCertificateFunction",
      "RegisterDeviceWithIotFunction",
      "RenewDeviceCertificateFunction",
      "RevokeCertificateFunction",
    ]);
  });

  it('grants "*" only where IoT has no resource type; things, certificates and policies by ARN', () => {
    const resourceOf: Record<string, string> = {
      "iot:RegisterCertificate": "*",
      "iot:RegisterCertificateWithoutCA": "*",
      "iot:AttachThingPrincipal": "*",
      "iot:CreateThing": sub("arn:#{AWS::Partition}:iot:#{AWS::Region}:#{AWS::AccountId}:thing/*"),
      "iot:DescribeThing": sub("arn:#{AWS::Partition}:iot:#{AWS::Region}:#{AWS::AccountId}:thing/*"),
      "iot:AttachPolicy": sub("arn:#{AWS::Partition}:iot:#{AWS::Region}:#{AWS::AccountId}:cert/*"),
      "iot:UpdateCertificate": sub("arn:#{AWS::Partition}:iot:#{AWS::Region}:#{AWS::AccountId}:cert/*"),
    };
    const iotStatements = functionAllows.filter(({ statement }) =>
      asArray(statement.Action).some((action) => iotDeviceActions.includes(action)),
    );
    expect(iotStatements.length).toBeGreaterThanOrEqual(13);
    for (const { owner, statement } of iotStatements) {
      const resources = asArray(statement.Resource).map(render);
      expect(resources, owner).toHaveLength(1);
      for (const action of asArray(statement.Action)) {
        expect(action.startsWith("iot:"), `${owner}: ${action} mixed with IoT actions`).toBe(true);
        expect(resources[0], `${owner}: ${action}`).toBe(resourceOf[action]);
      }
      expect(statement.Condition, owner).toBeUndefined();
    }
  });

  it("lets the IoT functions read the issuer's IoT registration and create the device's, device renewal create the device's (it follows the old one's), revocation and GET only read them", () => {
    const s3Paths = (owner: string, action: string) =>
      allows
        .filter((found) => found.owner === owner && asArray(found.statement.Action).includes(action))
        .flatMap(({ statement }) => asArray(statement.Resource).map(render))
        .filter((path) => path.includes("iot_registrations/"))
        .sort();
    for (const owner of [
      "IssueDeviceCertificateFunction",
      "IssueDeviceBatchFunction",
      "RegisterDeviceWithIotFunction",
    ]) {
      expect(s3Paths(owner, "s3:GetObject"), owner).toEqual([
        sub("#{BucketArn}/iot_registrations/device/*"),
        sub("#{BucketArn}/iot_registrations/intermediate/*"),
      ]);
      expect(s3Paths(owner, "s3:PutObject"), owner).toEqual([sub("#{BucketArn}/iot_registrations/device/*")]);
    }
    expect(s3Paths("RenewDeviceCertificateFunction", "s3:GetObject")).toEqual([
      sub("#{BucketArn}/iot_registrations/device/*"),
    ]);
    expect(s3Paths("RenewDeviceCertificateFunction", "s3:PutObject")).toEqual([
      sub("#{BucketArn}/iot_registrations/device/*"),
    ]);
    expect(s3Paths("RenewServerCertificateFunction", "s3:GetObject")).toEqual([]);
    expect(s3Paths("RevokeCertificateFunction", "s3:GetObject")).toEqual([
      sub("#{BucketArn}/iot_registrations/device/*"),
    ]);
    expect(s3Paths("RevokeCertificateFunction", "s3:PutObject")).toEqual([]);
    // GET shows a CA's or device certificate's registration: it reads all three, writes none.
    expect(s3Paths("GetCertificateFunction", "s3:GetObject")).toEqual([
      sub("#{BucketArn}/iot_registrations/device/*"),
      sub("#{BucketArn}/iot_registrations/intermediate/*"),
      sub("#{BucketArn}/iot_registrations/root/*"),
    ]);
    expect(s3Paths("GetCertificateFunction", "s3:PutObject")).toEqual([]);
    // The retry route signs nothing and announces nothing.
    const retry = allows.filter(({ owner }) => owner === "RegisterDeviceWithIotFunction");
    expect(
      retry.flatMap(({ statement }) => asArray(statement.Action)).filter((a) => /^(kms|events|acm):/.test(a)),
    ).toEqual([]);
  });
});

describe("template.yaml: the AWS IoT Core certificate provider is off by default and least privilege", () => {
  const { statements } = statementsOf(template);
  const FUNCTION = "IotCertificateProviderFunction";
  const granted = statements.filter(({ owner, statement }) => owner === FUNCTION && statement.Effect === "Allow");
  const resources = template.Resources;

  it("exists only when IotCertificateProviderIssuer names an intermediate (default empty: off)", () => {
    const parameter = template.Parameters?.IotCertificateProviderIssuer;
    expect(parameter?.Default).toBe("");
    const pattern = new RegExp((parameter as { AllowedPattern?: string } | undefined)?.AllowedPattern ?? "");
    for (const accepted of ["", "devices", "factory-line-2"]) expect(pattern.test(accepted), accepted).toBe(true);
    for (const refused of ["Devices", "-devices", "devices/../x", " devices"])
      expect(pattern.test(refused), refused).toBe(false);
    expect(template.Conditions?.CreateCertificateProvider).toEqual({
      "Fn::Not": [{ "Fn::Equals": [{ Ref: "IotCertificateProviderIssuer" }, ""] }],
    });
    const conditional = Object.entries(resources).filter(
      ([, resource]) => resource.Condition === "CreateCertificateProvider",
    );
    expect(conditional.map(([id, resource]) => [id, resource.Type]).sort()).toEqual([
      ["IotCertificateProvider", "AWS::IoT::CertificateProvider"],
      ["IotCertificateProviderFunction", "AWS::Serverless::Function"],
      ["IotCertificateProviderInvokePermission", "AWS::Lambda::Permission"],
    ]);
    expect((template.Outputs?.IotCertificateProviderName as { Condition?: string } | undefined)?.Condition).toBe(
      "CreateCertificateProvider",
    );
  });

  it("makes CreateCertificateFromCsr invoke the function, which signs with the named intermediate and serves no route", () => {
    expect(resources.IotCertificateProvider?.Properties).toEqual({
      CertificateProviderName: { "Fn::Sub": `\${AWS::StackName}-certificate-provider` },
      LambdaFunctionArn: { "Fn::GetAtt": "IotCertificateProviderFunction.Arn" },
      AccountDefaultForOperations: ["CreateCertificateFromCsr"],
    });
    const fn = resources[FUNCTION];
    expect(fn?.Properties?.Handler).toBe("certificate-provider.handler");
    expect(fn?.Metadata?.BuildProperties?.EntryPoints).toEqual(["src/iot-provider/certificate-provider.ts"]);
    expect(fn?.Properties?.Environment?.Variables).toEqual({
      CERTIFICATE_PROVIDER_ISSUER: { Ref: "IotCertificateProviderIssuer" },
    });
    expect(fn?.Properties?.Events).toBeUndefined();
  });

  it("lets only AWS IoT Core invoke it, as this account's certificate provider", () => {
    expect(resources.IotCertificateProviderInvokePermission?.Properties).toEqual({
      Action: "lambda:InvokeFunction",
      FunctionName: { "Fn::GetAtt": "IotCertificateProviderFunction.Arn" },
      Principal: "iot.amazonaws.com",
      SourceAccount: { Ref: "AWS::AccountId" },
      SourceArn: { "Fn::GetAtt": "IotCertificateProvider.Arn" },
    });
    const invokers = Object.entries(resources).filter(([, resource]) => resource.Type === "AWS::Lambda::Permission");
    expect(invokers.map(([id]) => id)).toEqual(["IotCertificateProviderInvokePermission"]);
  });

  it("grants what device issuance needs and nothing more: no idempotency records, no root key, no delete, no ACM, no IoT", () => {
    const actions = granted.flatMap(({ statement }) => asArray(statement.Action));
    expect([...new Set(actions)].sort()).toEqual([
      "events:PutEvents",
      "kms:Sign",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
    const s3Objects = granted
      .filter(({ statement }) => asArray(statement.Action).some((action) => action.startsWith("s3:")))
      .flatMap(({ statement }) =>
        asArray(statement.Resource).flatMap((resource) => {
          const target = s3Target(resource);
          return target.kind === "objects" ? [[target.path, asArray(statement.Action).sort()]] : [];
        }),
      )
      .sort();
    expect(s3Objects).toEqual([
      ["device_certificates/*", ["s3:GetObject", "s3:PutObject"]],
      ["intermediate_ca/*", ["s3:GetObject"]],
      ["inventory/device/*", ["s3:PutObject"]],
    ]);
  });

  it("is what the SAM transform deploys: the function and its role exist only under the condition", () => {
    const [translated] = samTranslate("template.yaml", [
      { CommonInfraStackName: "common", IotCertificateProviderIssuer: "devices" },
    ]);
    expect(translated?.errors).toBeUndefined();
    const deployed = Object.entries(translated?.Resources ?? {}).filter(([id]) =>
      id.startsWith("IotCertificateProvider"),
    );
    expect(deployed.map(([id, resource]) => [id, resource.Type, resource.Condition]).sort()).toEqual([
      ["IotCertificateProvider", "AWS::IoT::CertificateProvider", "CreateCertificateProvider"],
      ["IotCertificateProviderFunction", "AWS::Lambda::Function", "CreateCertificateProvider"],
      ["IotCertificateProviderFunctionRole", "AWS::IAM::Role", "CreateCertificateProvider"],
      ["IotCertificateProviderInvokePermission", "AWS::Lambda::Permission", "CreateCertificateProvider"],
    ]);
  });

  it("passes cfn-lint, with the provider off (default) and on", () => {
    for (const args of [["template.yaml"], ["template.yaml", "--parameters", "IotCertificateProviderIssuer=devices"]]) {
      const result = spawnSync("cfn-lint", args, { encoding: "utf8" });
      expect(result.error, "cfn-lint must be installed (pip install cfn-lint)").toBeUndefined();
      expect(`${result.stdout}${result.stderr}`, args.join(" ")).toBe("");
      expect(result.status, args.join(" ")).toBe(0);
    }
  });
});

describe("template.yaml: AWS IoT Core registration and just-in-time provisioning are least privilege", () => {
  const { statements } = statementsOf(template);
  const allows = statements.filter(({ statement }) => statement.Effect === "Allow");
  const ownersOf = (action: string) =>
    [
      ...new Set(
        allows.filter(({ statement }) => asArray(statement.Action).includes(action)).map(({ owner }) => owner),
      ),
    ].sort();
  const sub = (text: string) => ({ "Fn::Sub": text.replaceAll("#{", "${") });
  const iotArn = (type: string) => sub(`arn:#{AWS::Partition}:iot:#{AWS::Region}:#{AWS::AccountId}:${type}/*`);
  const REGISTER = "RegisterCaWithIotFunction";
  const ROLE_ARN = { "Fn::GetAtt": "IotProvisioningRole.Arn" };

  it("lets only the registration function register CAs, get the registration code and read CA registrations", () => {
    for (const action of ["iot:RegisterCACertificate", "iot:GetRegistrationCode", "iot:DescribeCACertificate"]) {
      expect(ownersOf(action), action).toEqual([REGISTER]);
    }
    expect(ownersOf("iot:DescribeEndpoint")).toContain(REGISTER);
    // Reading functions call no IoT at all.
    for (const owner of ["GetCertificateFunction", "ListCertificatesFunction", "GetOpenApiFunction"]) {
      const iot = allows.filter((found) => found.owner === owner);
      expect(iot.flatMap(({ statement }) => asArray(statement.Action)).filter((a) => a.startsWith("iot:"))).toEqual([]);
    }
  });

  it("grants the registration function exactly its IoT, IAM, KMS and S3 rights, on the narrowest resources", () => {
    const granted = allows.filter(({ owner }) => owner === REGISTER).map(({ statement }) => statement);
    const byAction = (action: string) => granted.filter((statement) => asArray(statement.Action).includes(action));
    expect([...new Set(granted.flatMap((statement) => asArray(statement.Action)))].sort()).toEqual([
      "iam:PassRole",
      "iot:DescribeCACertificate",
      "iot:DescribeEndpoint",
      "iot:GetRegistrationCode",
      "iot:RegisterCACertificate",
      "kms:Sign",
      "s3:DeleteObject",
      "s3:GetObject",
      "s3:ListBucket",
      "s3:PutObject",
    ]);
    // RegisterCACertificate: alone in its statement, and tags (if any) only with the CA's kind and name.
    const [register] = byAction("iot:RegisterCACertificate");
    expect(asArray(register?.Action)).toEqual(["iot:RegisterCACertificate"]);
    expect(register?.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"]).toEqual([
      "iot-certificates:ca-kind",
      "iot-certificates:ca-name",
    ]);
    expect(byAction("iot:DescribeCACertificate").map((statement) => statement.Resource)).toEqual([iotArn("cacert")]);
    // S3: writes only the CA registration records (and idempotency records); reads CAs and their keys (DEFAULT mode signs).
    const written = byAction("s3:PutObject").flatMap((statement) => asArray(statement.Resource).map(render));
    expect(written.sort()).toEqual([
      `\${BucketArn}/idempotency/*`,
      `\${BucketArn}/iot_registrations/intermediate/*`,
      `\${BucketArn}/iot_registrations/root/*`,
    ]);
    const read = byAction("s3:GetObject").flatMap((statement) => asArray(statement.Resource).map(render));
    expect(read.sort()).toEqual([
      `\${BucketArn}/idempotency/*`,
      `\${BucketArn}/intermediate_ca/*/ca.json`,
      `\${BucketArn}/intermediate_ca/*/private_key.pem`,
      `\${BucketArn}/iot_registrations/intermediate/*`,
      `\${BucketArn}/iot_registrations/root/*`,
      `\${BucketArn}/root_ca/*/ca.json`,
      `\${BucketArn}/root_ca/*/private_key.pem`,
    ]);
  });

  it("passes only the stack's provisioning role, only to IoT, from the registration function only", () => {
    const passing = allows.filter(({ statement }) =>
      asArray(statement.Action).some((action) => action.startsWith("iam:")),
    );
    expect(passing.map(({ owner }) => owner)).toEqual([REGISTER]);
    const [{ statement } = { statement: {} as Statement }] = passing;
    expect(asArray(statement.Action)).toEqual(["iam:PassRole"]);
    expect(statement.Resource).toEqual(ROLE_ARN);
    expect(statement.Condition).toEqual({ StringEquals: { "iam:PassedToService": "iot.amazonaws.com" } });
    expect(template.Resources[REGISTER]?.Properties?.Environment?.Variables?.IOT_PROVISIONING_ROLE_ARN).toEqual(
      ROLE_ARN,
    );
  });

  it("has a provisioning role only IoT in this account can assume, allowed only the default template's calls", () => {
    const role = template.Resources.IotProvisioningRole;
    expect(role?.Type).toBe("AWS::IAM::Role");
    expect(role?.Properties?.AssumeRolePolicyDocument?.Statement).toEqual([
      {
        Effect: "Allow",
        Principal: { Service: "iot.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
      },
    ]);
    expect(role?.Properties?.ManagedPolicyArns).toBeUndefined();
    const granted = allows.filter(({ owner }) => owner === "IotProvisioningRole").map(({ statement }) => statement);
    const grants = granted.flatMap((statement) =>
      asArray(statement.Action).map((action) => [action, JSON.stringify(statement.Resource)] as const),
    );
    expect(Object.fromEntries(grants)).toEqual({
      "iot:AttachThingPrincipal": JSON.stringify("*"),
      "iot:RegisterThing": JSON.stringify("*"),
      "iot:CreateThing": JSON.stringify(iotArn("thing")),
      "iot:DescribeThing": JSON.stringify(iotArn("thing")),
      "iot:AttachPolicy": JSON.stringify(iotArn("cert")),
      "iot:AttachPrincipalPolicy": JSON.stringify(iotArn("cert")),
      "iot:DescribeCertificate": JSON.stringify(iotArn("cert")),
      "iot:UpdateCertificate": JSON.stringify(iotArn("cert")),
      "iot:CreatePolicy": JSON.stringify(iotArn("policy")),
      "iot:GetPolicy": JSON.stringify(iotArn("policy")),
    });
    // Nothing of the managed AWSIoTThingsRegistration beyond that: no deletes, detaches, groups or CSR signing.
    expect(
      grants.map(([action]) => action).filter((action) => /Delete|Detach|Group|Csr|Transfer/.test(action)),
    ).toEqual([]);
  });
});

describe("template.yaml: the API requires IAM (SigV4) by default", () => {
  const apis = Object.entries(template.Resources).filter(([, resource]) => resource.Type === "AWS::Serverless::Api");

  it("defaults to AWS_IAM; the only other choice is an explicit, documented NONE parameter", () => {
    expect(apis.map(([id]) => id)).toEqual(["CertificatesApi"]);
    for (const [id, api] of apis) {
      const authorizer = api.Properties?.Auth?.DefaultAuthorizer;
      if (authorizer === "AWS_IAM") continue;
      expect(authorizer, id).toEqual({ Ref: expect.any(String) });
      const parameter = template.Parameters?.[authorizer.Ref];
      expect(parameter, authorizer.Ref).toBeDefined();
      expect(parameter?.Default).toBe("AWS_IAM");
      expect([...(parameter?.AllowedValues ?? [])].sort()).toEqual(["AWS_IAM", "NONE"]);
      expect(parameter?.Description).toMatch(/NO AUTHENTICATION/);
      expect(parameter?.Description).toMatch(/sandbox/i);
    }
  });

  it("serves every route from that API, with no route opting out of its authorizer", () => {
    expect(Object.values(template.Resources).map((resource) => resource.Type)).not.toContain(
      "AWS::Serverless::HttpApi",
    );
    for (const [id, fn] of functionsOf(template)) {
      expect(fn.Properties?.FunctionUrlConfig, `${id}: a function URL bypasses the API`).toBeUndefined();
      for (const [eventId, event] of Object.entries<any>(fn.Properties?.Events ?? {})) {
        // The one function that is not behind the API is the scheduled expiry scan (no route at all).
        if (id === "ScanExpiringCertificatesFunction") {
          expect(event.Type, `${id}.${eventId}`).toBe("ScheduleV2");
          continue;
        }
        expect(event.Type, `${id}.${eventId}`).toBe("Api");
        // Without RestApiId SAM creates an implicit API with no authorizer.
        expect(event.Properties?.RestApiId, `${id}.${eventId}`).toEqual({ Ref: "CertificatesApi" });
        expect(event.Properties?.Auth, `${id}.${eventId} overrides the API's authorizer`).toBeUndefined();
      }
    }
  });

  it("is what the SAM transform deploys: SigV4 on every method by default, none only with ApiAuthorization=NONE", () => {
    const [byDefault, withNone] = samTranslate("template.yaml", [
      { CommonInfraStackName: "common" },
      { CommonInfraStackName: "common", ApiAuthorization: "NONE" },
    ]);
    const methodsSecurity = (translated: NonNullable<typeof byDefault>) => {
      expect(translated.errors).toBeUndefined();
      const restApis = Object.values(translated.Resources).filter(
        (resource) => resource.Type === "AWS::ApiGateway::RestApi",
      );
      expect(restApis).toHaveLength(1);
      const paths: Record<string, Record<string, { security?: unknown }>> = restApis[0]?.Properties?.Body?.paths ?? {};
      return Object.entries(paths).flatMap(([path, methods]) =>
        Object.entries(methods).map(([method, operation]) => ({
          route: `${method} ${path}`,
          security: operation.security,
        })),
      );
    };
    const secured = methodsSecurity(byDefault as NonNullable<typeof byDefault>);
    expect(secured.length).toBeGreaterThanOrEqual(6);
    for (const { route, security } of secured) expect(security, route).toEqual([{ AWS_IAM: [] }]);
    const open = methodsSecurity(withNone as NonNullable<typeof withNone>);
    expect(open.length).toBe(secured.length);
    for (const { route, security } of open) expect(security, route).toBeUndefined();
  });

  it("answers API Gateway's own 4xx and 5xx (no route, bad signature, throttling) as problem+json", () => {
    const [translated] = samTranslate("template.yaml", [{ CommonInfraStackName: "common" }]);
    expect(translated?.errors).toBeUndefined();
    const restApi = Object.values(translated?.Resources ?? {}).find(
      (resource) => resource.Type === "AWS::ApiGateway::RestApi",
    );
    const responses: Record<
      string,
      { responseParameters?: Record<string, string>; responseTemplates?: Record<string, string> }
    > = restApi?.Properties?.Body?.["x-amazon-apigateway-gateway-responses"] ?? {};
    for (const type of ["DEFAULT_4XX", "DEFAULT_5XX"]) {
      const response = responses[type];
      expect(response?.responseParameters?.["gatewayresponse.header.Content-Type"], type).toBe(
        "'application/problem+json'",
      );
      // What API Gateway would send for a missing signature: $context.error.messageString is a quoted JSON string.
      const body = (response?.responseTemplates?.["application/json"] ?? "")
        .replace("$context.error.responseType", "MISSING_AUTHENTICATION_TOKEN")
        .replace("$context.error.messageString", JSON.stringify("Missing Authentication Token"));
      expect(JSON.parse(body), type).toEqual({
        type: "about:blank",
        title: "MISSING_AUTHENTICATION_TOKEN",
        detail: "Missing Authentication Token",
      });
    }
  });
});

describe("common-infra.yaml: the certificate bucket is hardened", () => {
  const buckets = Object.entries(commonInfra.Resources).filter(([, resource]) => resource.Type === "AWS::S3::Bucket");
  const policies = Object.values(commonInfra.Resources).filter((resource) => resource.Type === "AWS::S3::BucketPolicy");

  it("has one bucket, and it is kept when the stack is deleted or replaced", () => {
    expect(buckets).toHaveLength(1);
    for (const [id, bucket] of buckets) {
      expect(bucket.DeletionPolicy, id).toBe("Retain");
      expect(bucket.UpdateReplacePolicy, id).toBe("Retain");
    }
  });

  it("blocks all public access, is versioned and encrypted by default, with ACLs disabled", () => {
    for (const [id, bucket] of buckets) {
      const properties = bucket.Properties ?? {};
      expect(properties.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(properties.VersioningConfiguration, id).toEqual({ Status: "Enabled" });
      const rules = asArray<any>(properties.BucketEncryption?.ServerSideEncryptionConfiguration);
      expect(rules.length, id).toBeGreaterThan(0);
      expect(["AES256", "aws:kms", "aws:kms:dsse"]).toContain(rules[0]?.ServerSideEncryptionByDefault?.SSEAlgorithm);
      expect(properties.OwnershipControls?.Rules?.[0]?.ObjectOwnership, id).toBe("BucketOwnerEnforced");
      expect(properties.AccessControl, id).toBeUndefined();
    }
  });

  it("denies every request that does not use TLS, on the bucket and its objects", () => {
    for (const [id] of buckets) {
      const policy = policies.find(
        (resource) => JSON.stringify(resource.Properties?.Bucket) === JSON.stringify({ Ref: id }),
      );
      expect(policy, `a bucket policy for ${id}`).toBeDefined();
      const statements = asArray<Statement>(policy?.Properties?.PolicyDocument?.Statement);
      const denyPlainHttp = statements.find(
        (statement) =>
          statement.Effect === "Deny" &&
          String(statement.Condition?.Bool?.["aws:SecureTransport"]).toLowerCase() === "false",
      );
      expect(denyPlainHttp, JSON.stringify(statements)).toBeDefined();
      expect(denyPlainHttp?.Principal).toBe("*");
      expect(asArray(denyPlainHttp?.Action)).toContain("s3:*");
      const resources = asArray(denyPlainHttp?.Resource).map(render);
      expect(resources).toEqual(
        expect.arrayContaining([JSON.stringify({ "Fn::GetAtt": `${id}.Arn` }), `\${${id}.Arn}/*`]),
      );
    }
  });

  it("allows nothing with a wildcard (the only wildcard is in the Deny)", () => {
    const { statements } = statementsOf(commonInfra);
    for (const { owner, statement } of statements.filter(({ statement }) => statement.Effect === "Allow")) {
      for (const action of asArray(statement.Action)) expect(action, owner).not.toContain("*");
    }
  });
});
