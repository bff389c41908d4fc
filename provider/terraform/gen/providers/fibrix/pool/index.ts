// https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface PoolConfig extends cdktf.TerraformMetaArguments {
  /**
  * Pool name, a DNS label. Changing it replaces the pool.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool#name Pool#name}
  */
  readonly name: string;
  /**
  * Free text.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool#description Pool#description}
  */
  readonly description?: string;
  /**
  * vCPUs per physical core (1-16, default 4).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool#cpu_overcommit Pool#cpu_overcommit}
  */
  readonly cpuOvercommit?: number;
  /**
  * Memory over-commit ratio (1-16, default 1).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool#memory_overcommit Pool#memory_overcommit}
  */
  readonly memoryOvercommit?: number;
  /**
  * Tenant ids allowed to place VMs in the pool.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool#tenants Pool#tenants}
  */
  readonly tenants?: string[];
}
export interface PoolCapacity {
}

export function poolCapacityToTerraform(struct?: PoolCapacity): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
  }
}


export function poolCapacityToHclTerraform(struct?: PoolCapacity): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
  };
  return attrs;
}

export class PoolCapacityOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string) {
    super(terraformResource, terraformAttribute, false);
  }

  public get internalValue(): PoolCapacity | undefined {
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: PoolCapacity | undefined) {
    if (value === undefined) {
      this.isEmptyObject = false;
    }
    else {
      this.isEmptyObject = Object.keys(value).length === 0;
    }
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
}
export interface PoolUsed {
}

export function poolUsedToTerraform(struct?: PoolUsed): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
  }
}


export function poolUsedToHclTerraform(struct?: PoolUsed): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
  };
  return attrs;
}

export class PoolUsedOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string) {
    super(terraformResource, terraformAttribute, false);
  }

  public get internalValue(): PoolUsed | undefined {
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: PoolUsed | undefined) {
    if (value === undefined) {
      this.isEmptyObject = false;
    }
    else {
      this.isEmptyObject = Object.keys(value).length === 0;
    }
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
}

/**
* Represents a {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool fibrix_pool}
*/
export class Pool extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "fibrix_pool";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Pool resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Pool to import
  * @param importFromId The id of the existing Pool that should be imported. Refer to the {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Pool to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "fibrix_pool", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/pool fibrix_pool} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options PoolConfig
  */
  public constructor(scope: Construct, id: string, config: PoolConfig) {
    super(scope, id, {
      terraformResourceType: 'fibrix_pool',
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
    this._name = config.name;
    this._description = config.description;
    this._cpuOvercommit = config.cpuOvercommit;
    this._memoryOvercommit = config.memoryOvercommit;
    this._tenants = config.tenants;
  }

  // ==========
  // ATTRIBUTES
  // ==========

  // id - computed: true, optional: false, required: false
  public get id() {
    return this.getStringAttribute('id');
  }

  // name - computed: false, optional: false, required: true
  private _name?: string; 
  public get name() {
    return this.getStringAttribute('name');
  }
  public set name(value: string) {
    this._name = value;
  }
  // Temporarily expose input value. Use with caution.
  public get nameInput() {
    return this._name;
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

  // cpu_overcommit - computed: true, optional: true, required: false
  private _cpuOvercommit?: number; 
  public get cpuOvercommit() {
    return this.getNumberAttribute('cpu_overcommit');
  }
  public set cpuOvercommit(value: number) {
    this._cpuOvercommit = value;
  }
  public resetCpuOvercommit() {
    this._cpuOvercommit = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get cpuOvercommitInput() {
    return this._cpuOvercommit;
  }

  // memory_overcommit - computed: true, optional: true, required: false
  private _memoryOvercommit?: number; 
  public get memoryOvercommit() {
    return this.getNumberAttribute('memory_overcommit');
  }
  public set memoryOvercommit(value: number) {
    this._memoryOvercommit = value;
  }
  public resetMemoryOvercommit() {
    this._memoryOvercommit = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get memoryOvercommitInput() {
    return this._memoryOvercommit;
  }

  // tenants - computed: true, optional: true, required: false
  private _tenants?: string[]; 
  public get tenants() {
    return this.getListAttribute('tenants');
  }
  public set tenants(value: string[]) {
    this._tenants = value;
  }
  public resetTenants() {
    this._tenants = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get tenantsInput() {
    return this._tenants;
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

  // capacity - computed: true, optional: false, required: false
  private _capacity = new PoolCapacityOutputReference(this, "capacity");
  public get capacity() {
    return this._capacity;
  }

  // used - computed: true, optional: false, required: false
  private _used = new PoolUsedOutputReference(this, "used");
  public get used() {
    return this._used;
  }

  // hosts - computed: true, optional: false, required: false
  public get hosts() {
    return this.getNumberAttribute('hosts');
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      description: cdktf.stringToTerraform(this._description),
      cpu_overcommit: cdktf.numberToTerraform(this._cpuOvercommit),
      memory_overcommit: cdktf.numberToTerraform(this._memoryOvercommit),
      tenants: cdktf.listMapper(cdktf.stringToTerraform, false)(this._tenants),
    };
  }

  protected override synthesizeHclAttributes(): { [name: string]: any } {
    const attrs = {
      name: {
        value: cdktf.stringToHclTerraform(this._name),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      description: {
        value: cdktf.stringToHclTerraform(this._description),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      cpu_overcommit: {
        value: cdktf.numberToHclTerraform(this._cpuOvercommit),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      memory_overcommit: {
        value: cdktf.numberToHclTerraform(this._memoryOvercommit),
        isBlock: false,
        type: "simple",
        storageClassType: "number",
      },
      tenants: {
        value: cdktf.listMapperHcl(cdktf.stringToHclTerraform, false)(this._tenants),
        isBlock: false,
        type: "list",
        storageClassType: "stringList",
      },
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
