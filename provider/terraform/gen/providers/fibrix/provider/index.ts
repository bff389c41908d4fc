// https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface FibrixProviderConfig {
  /**
  * Region URL, e.g. https://region.girona.fibrix.example (env FIBRIX_ENDPOINT).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs#endpoint FibrixProvider#endpoint}
  */
  readonly endpoint?: string;
  /**
  * API key of the tenant or operator (env FIBRIX_API_KEY).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs#api_key FibrixProvider#api_key}
  */
  readonly apiKey?: string;
  /**
  * CA certificate(s) to trust for the region's TLS certificate: PEM text or a PEM file's path (env FIBRIX_CA_BUNDLE).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs#ca_bundle FibrixProvider#ca_bundle}
  */
  readonly caBundle?: string;
  /**
  * SHA-256 fingerprint of the region's TLS certificate to trust exactly, hex with or without colons (env FIBRIX_TLS_FINGERPRINT).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs#fingerprint FibrixProvider#fingerprint}
  */
  readonly fingerprint?: string;
  /**
  * Longest wait for commissioning, deploys and VM starts (default 1800).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs#wait_timeout_seconds FibrixProvider#wait_timeout_seconds}
  */
  readonly waitTimeoutSeconds?: number;
  /**
  * Alias name
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs#alias FibrixProvider#alias}
  */
  readonly alias?: string;
}

/**
* Represents a {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs fibrix}
*/
export class FibrixProvider extends cdktf.TerraformProvider {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "fibrix";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a FibrixProvider resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the FibrixProvider to import
  * @param importFromId The id of the existing FibrixProvider that should be imported. Refer to the {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the FibrixProvider to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "fibrix", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs fibrix} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options FibrixProviderConfig = {}
  */
  public constructor(scope: Construct, id: string, config: FibrixProviderConfig = {}) {
    super(scope, id, {
      terraformResourceType: 'fibrix',
      terraformGeneratorMetadata: {
        providerName: 'fibrix',
        providerVersion: '0.1.0',
        providerVersionConstraint: '~> 0.1.0'
      },
      terraformProviderSource: 'registry.terraform.io/fibrix/fibrix'
    });
    this._endpoint = config.endpoint;
    this._apiKey = config.apiKey;
    this._caBundle = config.caBundle;
    this._fingerprint = config.fingerprint;
    this._waitTimeoutSeconds = config.waitTimeoutSeconds;
    this._alias = config.alias;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // endpoint - computed: false, optional: true, required: false
  private _endpoint?: string; 
  public get endpoint() {
    return this._endpoint;
  }
  public set endpoint(value: string | undefined) {
    this._endpoint = value;
  }
  public resetEndpoint() {
    this._endpoint = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get endpointInput() {
    return this._endpoint;
  }

  // api_key - computed: false, optional: true, required: false
  private _apiKey?: string; 
  public get apiKey() {
    return this._apiKey;
  }
  public set apiKey(value: string | undefined) {
    this._apiKey = value;
  }
  public resetApiKey() {
    this._apiKey = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get apiKeyInput() {
    return this._apiKey;
  }

  // ca_bundle - computed: false, optional: true, required: false
  private _caBundle?: string; 
  public get caBundle() {
    return this._caBundle;
  }
  public set caBundle(value: string | undefined) {
    this._caBundle = value;
  }
  public resetCaBundle() {
    this._caBundle = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get caBundleInput() {
    return this._caBundle;
  }

  // fingerprint - computed: false, optional: true, required: false
  private _fingerprint?: string; 
  public get fingerprint() {
    return this._fingerprint;
  }
  public set fingerprint(value: string | undefined) {
    this._fingerprint = value;
  }
  public resetFingerprint() {
    this._fingerprint = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get fingerprintInput() {
    return this._fingerprint;
  }

  // wait_timeout_seconds - computed: false, optional: true, required: false
  private _waitTimeoutSeconds?: number; 
  public get waitTimeoutSeconds() {
    return this._waitTimeoutSeconds;
  }
  public set waitTimeoutSeconds(value: number | undefined) {
    this._waitTimeoutSeconds = value;
  }
  public resetWaitTimeoutSeconds() {
    this._waitTimeoutSeconds = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get waitTimeoutSecondsInput() {
    return this._waitTimeoutSeconds;
  }

  // alias - computed: false, optional: true, required: false
  private _alias?: string; 
  public override get alias() {
    return this._alias;
  }
  public override set alias(value: string | undefined) {
    this._alias = value;
  }
  public resetAlias() {
    this._alias = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get aliasInput() {
    return this._alias;
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      endpoint: cdktf.stringToTerraform(this._endpoint),
      api_key: cdktf.stringToTerraform(this._apiKey),
      ca_bundle: cdktf.stringToTerraform(this._caBundle),
      fingerprint: cdktf.stringToTerraform(this._fingerprint),
      wait_timeout_seconds: cdktf.numberToTerraform(this._waitTimeoutSeconds),
      alias: cdktf.stringToTerraform(this._alias),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      endpoint: {
        value: cdktf.stringToHclTerraform(this._endpoint),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      api_key: {
        value: cdktf.stringToHclTerraform(this._apiKey),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      ca_bundle: {
        value: cdktf.stringToHclTerraform(this._caBundle),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      fingerprint: {
        value: cdktf.stringToHclTerraform(this._fingerprint),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      wait_timeout_seconds: {
        value: cdktf.numberToHclTerraform(this._waitTimeoutSeconds),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      alias: {
        value: cdktf.stringToHclTerraform(this._alias),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
