/**
 * Reads CloudFormation/SAM templates as plain data (short-form intrinsics
 * such as `!Sub` become `{ "Fn::Sub": … }`), and translates a SAM template
 * with the AWS SAM translator (the Python library cfn-lint uses), so a test
 * can check what CloudFormation would really deploy.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { CLOUDFORMATION_TAGS } from "../../../src/local/sam-template.js";

export interface TemplateResource {
  Type: string;
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Properties?: Record<string, any>;
  Metadata?: Record<string, any>;
}

export interface Template {
  Parameters?: Record<string, { Type: string; Default?: unknown; AllowedValues?: unknown[]; Description?: string }>;
  Conditions?: Record<string, unknown>;
  Globals?: Record<string, any>;
  Resources: Record<string, TemplateResource>;
  Outputs?: Record<string, unknown>;
}

export function readTemplate(path: string): Template {
  return parse(readFileSync(path, "utf8"), { customTags: CLOUDFORMATION_TAGS }) as Template;
}

const TRANSLATE_SCRIPT = `
import json, sys
from samtranslator.translator.transform import transform
from samtranslator.public.exceptions import InvalidDocumentException
from samtranslator.yaml_helper import yaml_parse

class NoManagedPolicies:
    def load(self):
        return {}

def translate(parameters):
    template = yaml_parse(open(sys.argv[1]).read())
    # As cfn-lint does: local CodeUri values become S3 locations before the transform.
    for resource in template.get("Resources", {}).values():
        properties = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(properties.get("CodeUri"), str):
            properties["CodeUri"] = "s3://bucket/key"
    try:
        return transform(template, parameters, NoManagedPolicies())
    except InvalidDocumentException as error:
        return {"errors": [str(cause) for cause in error.causes]}

print(json.dumps([translate(parameters) for parameters in json.loads(sys.argv[2])]))
`;

/**
 * The CloudFormation templates the SAM transform makes of `path`, one per set
 * of parameter values (one Python start for all). Needs python3 with
 * `samtranslator` (installed with cfn-lint).
 */
export function samTranslate(
  path: string,
  parameterSets: Record<string, string>[],
): (Template & { errors?: string[] })[] {
  const result = spawnSync("python3", ["-c", TRANSLATE_SCRIPT, path, JSON.stringify(parameterSets)], {
    encoding: "utf8",
    env: { ...process.env, AWS_DEFAULT_REGION: "us-east-1", AWS_REGION: "us-east-1" },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      `the SAM translator could not run (python3 with samtranslator, installed with cfn-lint: pip install cfn-lint): ${
        result.error?.message ?? result.stderr
      }`,
    );
  }
  return JSON.parse(result.stdout) as (Template & { errors?: string[] })[];
}
