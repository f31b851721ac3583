// Validates every object of a rendered manifest (kubectl kustomize output) against the Kubernetes OpenAPI schema
// of its kind (kubernetes-models), and prints what the tests check beyond the schema as JSON: per workload, its
// containers' images, environment variable names (env, and envFrom resolved through the rendered ConfigMaps and
// Secrets), and probes. Exit 1, naming each problem on standard error, when an object does not fit its schema.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

const objects = parseAllDocuments(readFileSync(process.argv[2], 'utf8')).map((d) => d.toJS()).filter(Boolean);
const problems = [];
for (const object of objects) {
  const [group, version] = object.apiVersion.includes('/') ? object.apiVersion.split('/') : [null, object.apiVersion];
  const module = group ? `kubernetes-models/${group}/${version}/${object.kind}` : `kubernetes-models/${version}/${object.kind}`;
  // kubectl writes long base64 values wrapped; the API server reads them so, the schema's "byte" format does not.
  const checked = object.kind === 'Secret' && object.data
    ? { ...object, data: Object.fromEntries(Object.entries(object.data).map(([k, v]) => [k, String(v).replace(/\s/g, '')])) }
    : object;
  try {
    const imported = await import(module);
    new imported[object.kind](checked).validate();
  } catch (error) {
    problems.push(`${object.kind}/${object.metadata?.name}: ${error.message}`);
  }
}

const byName = (kind) => new Map(objects.filter((o) => o.kind === kind).map((o) => [o.metadata.name, o]));
const configMaps = byName('ConfigMap');
const secrets = byName('Secret');
const workloads = objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind)).map((workload) => ({
  name: workload.metadata.name,
  containers: workload.spec.template.spec.containers.map((container) => ({
    name: container.name,
    image: container.image,
    env: [
      ...(container.env ?? []).map((e) => e.name),
      ...(container.envFrom ?? []).flatMap((from) => {
        const source = from.configMapRef ? configMaps.get(from.configMapRef.name) : secrets.get(from.secretRef?.name);
        return Object.keys(source?.data ?? {});
      }),
    ],
    envFromSecrets: (container.envFrom ?? []).filter((f) => f.secretRef).map((f) => f.secretRef.name),
    ports: Object.fromEntries((container.ports ?? []).map((p) => [p.name, p.containerPort])),
    probes: ['startupProbe', 'readinessProbe', 'livenessProbe'].filter((p) => container[p]?.httpGet).map((p) => ({
      kind: p, path: container[p].httpGet.path, port: container[p].httpGet.port, scheme: container[p].httpGet.scheme ?? 'HTTP',
    })),
  })),
}));

if (problems.length > 0) {
  console.error(problems.join('\n'));
  process.exit(1);
}

console.log(JSON.stringify({ kinds: objects.map((o) => `${o.kind}/${o.metadata.name}`), workloads }));
