package jinja

import "github.com/kiln-dev/kiln/internal/secret"

// SecretEnvVarsAllowed is implemented by the resolvers of the files where
// dbt lets env_var() read a secret (DBT_ENV_SECRET*): profiles.yml and
// packages.yml. Everywhere else — models, macros, hooks, dbt_project.yml,
// property YAML — reading one is an error, as in dbt, so a secret's value
// never reaches SQL, the manifest or the logs.
type SecretEnvVarsAllowed interface{ AllowsSecretEnvVars() bool }

func checkSecretEnvVar(res any, name string) error {
	if !secret.IsName(name) {
		return nil
	}
	if sa, ok := res.(SecretEnvVarsAllowed); ok && sa.AllowsSecretEnvVars() {
		return nil
	}
	return errorf("env_var('%s'): secret env vars (names starting with %s) are allowed only in profiles.yml and packages.yml; "+
		"use it there (e.g. as a target's password), or give the variable a name without the %s prefix if it is not a secret",
		name, secret.Prefix, secret.Prefix)
}
