// https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface QuotaConfig extends cdktf.TerraformMetaArguments {
  /**
  * Tenant the limits apply to. Changing it replaces the quota.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#tenant_id Quota#tenant_id}
  */
  readonly tenantId: string;
  /**
  * Limit only in this pool (absent: tenant-wide). Changing it replaces the quota.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#pool_id Quota#pool_id}
  */
  readonly poolId?: string;
  /**
  * Limit on vms; absent or null: none.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#vms Quota#vms}
  */
  readonly vms?: number;
  /**
  * Limit on cores; absent or null: none.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#cores Quota#cores}
  */
  readonly cores?: number;
  /**
  * Limit on memoryMiB; absent or null: none.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#memory_mib Quota#memory_mib}
  */
  readonly memoryMib?: number;
  /**
  * Limit on diskGiB; absent or null: none.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#disk_gib Quota#disk_gib}
  */
  readonly diskGib?: number;
  /**
  * Limit on publicIps; absent or null: none.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#public_ips Quota#public_ips}
  */
  readonly publicIps?: number;
  /**
  * Limit on networks; absent or null: none.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#networks Quota#networks}
  */
  readonly networks?: number;
  /**
  * Limit on snapshots; absent or null: none.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#snapshots Quota#snapshots}
  */
  readonly snapshots?: number;
  /**
  * Free text.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#description Quota#description}
  */
  readonly description?: string;
}
export interface QuotaUsed {
}

export function quotaUsedToTerraform(struct?: QuotaUsed): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
  }
}


export function quotaUsedToHclTerraform(struct?: QuotaUsed): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
  };
  return attrs;
}

export class QuotaUsedOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string) {
    super(terraformResource, terraformAttribute, false);
  }

  public get internalValue(): QuotaUsed | undefined {
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: QuotaUsed | undefined) {
    if (value === undefined) {
      this.isEmptyObject = false;
    }
    else {
      this.isEmptyObject = Object.keys(value).length === 0;
    }
  }

  // vms - computed: true, optional: false, required: false
  public get vms() {
    return this.getNumberAttribute('vms');
  }

  // cores - computed: true, optional: false, required: false
  public get cores() {
    return this.getNumberAttribute('cores');
  }

  // memory_mib - computed: true, optional: false, required: false
  public get memoryMib() {
    return this.getNumberAttribute('memory_mib');
  }

  // disk_gib - computed: true, optional: false, required: false
  public get diskGib() {
    return this.getNumberAttribute('disk_gib');
  }

  // public_ips - computed: true, optional: false, required: false
  public get publicIps() {
    return this.getNumberAttribute('public_ips');
  }

  // networks - computed: true, optional: false, required: false
  public get networks() {
    return this.getNumberAttribute('networks');
  }

  // snapshots - computed: true, optional: false, required: false
  public get snapshots() {
    return this.getNumberAttribute('snapshots');
  }
}

/**
* Represents a {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota fibrix_quota}
*/
export class Quota extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "fibrix_quota";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Quota resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Quota to import
  * @param importFromId The id of the existing Quota that should be imported. Refer to the {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Quota to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "fibrix_quota", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/quota fibrix_quota} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options QuotaConfig
  */
  public constructor(scope: Construct, id: string, config: QuotaConfig) {
    super(scope, id, {
      terraformResourceType: 'fibrix_quota',
      terraformGeneratorMetadata: {
        providerName: 'fibrix',
        providerVersion: '0.1.0',
        providerVersionConstraint: '~> 0.1.0'
      },
      provider: config.provider,
      dependsOn: config.dependsOn,
      count: config.count,
      lifecycle: config.lifecycle,
      provisioners: config.provisioners,
      connection: config.connection,
      forEach: config.forEach
    });
    this._tenantId = config.tenantId;
    this._poolId = config.poolId;
    this._vms = config.vms;
    this._cores = config.cores;
    this._memoryMib = config.memoryMib;
    this._diskGib = config.diskGib;
    this._publicIps = config.publicIps;
    this._networks = config.networks;
    this._snapshots = config.snapshots;
    this._description = config.description;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
  }

  // tenant_id - computed: false, optional: false, required: true
  private _tenantId?: string; 
  public get tenantId() {
    return this.getStringAttribute('tenant_id');
  }
  public set tenantId(value: string) {
    this._tenantId = value;
  }
  // Temporarily expose input value. Use with caution.
  public get tenantIdInput() {
    return this._tenantId;
  }

  // pool_id - computed: true, optional: true, required: false
  private _poolId?: string; 
  public get poolId() {
    return this.getStringAttribute('pool_id');
  }
  public set poolId(value: string) {
    this._poolId = value;
  }
  public resetPoolId() {
    this._poolId = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get poolIdInput() {
    return this._poolId;
  }

  // vms - computed: false, optional: true, required: false
  private _vms?: number; 
  public get vms() {
    return this.getNumberAttribute('vms');
  }
  public set vms(value: number) {
    this._vms = value;
  }
  public resetVms() {
    this._vms = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get vmsInput() {
    return this._vms;
  }

  // cores - computed: false, optional: true, required: false
  private _cores?: number; 
  public get cores() {
    return this.getNumberAttribute('cores');
  }
  public set cores(value: number) {
    this._cores = value;
  }
  public resetCores() {
    this._cores = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get coresInput() {
    return this._cores;
  }

  // memory_mib - computed: false, optional: true, required: false
  private _memoryMib?: number; 
  public get memoryMib() {
    return this.getNumberAttribute('memory_mib');
  }
  public set memoryMib(value: number) {
    this._memoryMib = value;
  }
  public resetMemoryMib() {
    this._memoryMib = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get memoryMibInput() {
    return this._memoryMib;
  }

  // disk_gib - computed: false, optional: true, required: false
  private _diskGib?: number; 
  public get diskGib() {
    return this.getNumberAttribute('disk_gib');
  }
  public set diskGib(value: number) {
    this._diskGib = value;
  }
  public resetDiskGib() {
    this._diskGib = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get diskGibInput() {
    return this._diskGib;
  }

  // public_ips - computed: false, optional: true, required: false
  private _publicIps?: number; 
  public get publicIps() {
    return this.getNumberAttribute('public_ips');
  }
  public set publicIps(value: number) {
    this._publicIps = value;
  }
  public resetPublicIps() {
    this._publicIps = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get publicIpsInput() {
    return this._publicIps;
  }

  // networks - computed: false, optional: true, required: false
  private _networks?: number; 
  public get networks() {
    return this.getNumberAttribute('networks');
  }
  public set networks(value: number) {
    this._networks = value;
  }
  public resetNetworks() {
    this._networks = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get networksInput() {
    return this._networks;
  }

  // snapshots - computed: false, optional: true, required: false
  private _snapshots?: number; 
  public get snapshots() {
    return this.getNumberAttribute('snapshots');
  }
  public set snapshots(value: number) {
    this._snapshots = value;
  }
  public resetSnapshots() {
    this._snapshots = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get snapshotsInput() {
    return this._snapshots;
  }

  // description - computed: true, optional: true, required: false
  private _description?: string; 
  public get description() {
    return this.getStringAttribute('description');
  }
  public set description(value: string) {
    this._description = value;
  }
  public resetDescription() {
    this._description = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get descriptionInput() {
    return this._description;
  }

  // created_at - computed: true, optional: false, required: false
  public get createdAt() {
    return this.getStringAttribute('created_at');
  }

  // updated_at - computed: true, optional: false, required: false
  public get updatedAt() {
    return this.getStringAttribute('updated_at');
  }

  // version - computed: true, optional: false, required: false
  public get version() {
    return this.getNumberAttribute('version');
  }

  // used - computed: true, optional: false, required: false
  private _used = new QuotaUsedOutputReference(this, "used");
  public get used() {
    return this._used;
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      tenant_id: cdktf.stringToTerraform(this._tenantId),
      pool_id: cdktf.stringToTerraform(this._poolId),
      vms: cdktf.numberToTerraform(this._vms),
      cores: cdktf.numberToTerraform(this._cores),
      memory_mib: cdktf.numberToTerraform(this._memoryMib),
      disk_gib: cdktf.numberToTerraform(this._diskGib),
      public_ips: cdktf.numberToTerraform(this._publicIps),
      networks: cdktf.numberToTerraform(this._networks),
      snapshots: cdktf.numberToTerraform(this._snapshots),
      description: cdktf.stringToTerraform(this._description),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      tenant_id: {
        value: cdktf.stringToHclTerraform(this._tenantId),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      pool_id: {
        value: cdktf.stringToHclTerraform(this._poolId),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      vms: {
        value: cdktf.numberToHclTerraform(this._vms),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      cores: {
        value: cdktf.numberToHclTerraform(this._cores),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      memory_mib: {
        value: cdktf.numberToHclTerraform(this._memoryMib),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      disk_gib: {
        value: cdktf.numberToHclTerraform(this._diskGib),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      public_ips: {
        value: cdktf.numberToHclTerraform(this._publicIps),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      networks: {
        value: cdktf.numberToHclTerraform(this._networks),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      snapshots: {
        value: cdktf.numberToHclTerraform(this._snapshots),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      description: {
        value: cdktf.stringToHclTerraform(this._description),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
