// https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack
// generated from terraform resource schema

import { Construct } from 'constructs';
import * as cdktf from 'cdktf';

// Configuration

export interface RackConfig extends cdktf.TerraformMetaArguments {
  /**
  * Rack name, a DNS label. Changing it replaces the rack.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#name Rack#name}
  */
  readonly name: string;
  /**
  * Region of the rack. Changing it replaces the rack.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#region_id Rack#region_id}
  */
  readonly regionId: string;
  /**
  * The rack's subnet (CIDR). Changing it replaces the rack.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#subnet Rack#subnet}
  */
  readonly subnet: string;
  /**
  * Dynamic DHCP range of the subnet (start and end addresses).
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#dhcp_range Rack#dhcp_range}
  */
  readonly dhcpRange: RackDhcpRange;
  /**
  * Fabric the rack's subnet belongs to.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#fabric_id Rack#fabric_id}
  */
  readonly fabricId?: string;
  /**
  * Default gateway handed out by DHCP.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#gateway Rack#gateway}
  */
  readonly gateway?: string;
  /**
  * Free text.
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#description Rack#description}
  */
  readonly description?: string;
}
export interface RackDhcpRange {
  /**
  * IPv4 address
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#start Rack#start}
  */
  readonly start: string;
  /**
  * IPv4 address
  *
  * Docs at Terraform Registry: {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#end Rack#end}
  */
  readonly end: string;
}

export function rackDhcpRangeToTerraform(struct?: RackDhcpRange | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  return {
    start: cdktf.stringToTerraform(struct!.start),
    end: cdktf.stringToTerraform(struct!.end),
  }
}


export function rackDhcpRangeToHclTerraform(struct?: RackDhcpRange | cdktf.IResolvable): any {
  if (!cdktf.canInspect(struct) || cdktf.Tokenization.isResolvable(struct)) { return struct; }
  if (cdktf.isComplexElement(struct)) {
    throw new Error("A complex element was used as configuration, this is not supported: https://cdk.tf/complex-object-as-configuration");
  }
  const attrs = {
    start: {
      value: cdktf.stringToHclTerraform(struct!.start),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
    end: {
      value: cdktf.stringToHclTerraform(struct!.end),
      isBlock: false,
      type: "simple",
      storageClassType: "string",
    },
  };

  // remove undefined attributes
  return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined));
}

export class RackDhcpRangeOutputReference extends cdktf.ComplexObject {
  private isEmptyObject = false;
  private resolvableValue?: cdktf.IResolvable;

  /**
  * @param terraformResource The parent resource
  * @param terraformAttribute The attribute on the parent resource this class is referencing
  */
  public constructor(terraformResource: cdktf.IInterpolatingParent, terraformAttribute: string) {
    super(terraformResource, terraformAttribute, false);
  }

  public get internalValue(): RackDhcpRange | cdktf.IResolvable | undefined {
    if (this.resolvableValue) {
      return this.resolvableValue;
    }
    let hasAnyValues = this.isEmptyObject;
    const internalValueResult: any = {};
    if (this._start !== undefined) {
      hasAnyValues = true;
      internalValueResult.start = this._start;
    }
    if (this._end !== undefined) {
      hasAnyValues = true;
      internalValueResult.end = this._end;
    }
    return hasAnyValues ? internalValueResult : undefined;
  }

  public set internalValue(value: RackDhcpRange | cdktf.IResolvable | undefined) {
    if (value === undefined) {
      this.isEmptyObject = false;
      this.resolvableValue = undefined;
      this._start = undefined;
      this._end = undefined;
    }
    else if (cdktf.Tokenization.isResolvable(value)) {
      this.isEmptyObject = false;
      this.resolvableValue = value;
    }
    else {
      this.isEmptyObject = Object.keys(value).length === 0;
      this.resolvableValue = undefined;
      this._start = value.start;
      this._end = value.end;
    }
  }

  // start - computed: false, optional: false, required: true
  private _start?: string; 
  public get start() {
    return this.getStringAttribute('start');
  }
  public set start(value: string) {
    this._start = value;
  }
  // Temporarily expose input value. Use with caution.
  public get startInput() {
    return this._start;
  }

  // end - computed: false, optional: false, required: true
  private _end?: string; 
  public get end() {
    return this.getStringAttribute('end');
  }
  public set end(value: string) {
    this._end = value;
  }
  // Temporarily expose input value. Use with caution.
  public get endInput() {
    return this._end;
  }
}

/**
* Represents a {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack fibrix_rack}
*/
export class Rack extends cdktf.TerraformResource {

  // =================
  // STATIC PROPERTIES
  // =================
  public static readonly tfResourceType = "fibrix_rack";

  // ==============
  // STATIC Methods
  // ==============
  /**
  * Generates CDKTF code for importing a Rack resource upon running "cdktf plan <stack-name>"
  * @param scope The scope in which to define this construct
  * @param importToId The construct id used in the generated config for the Rack to import
  * @param importFromId The id of the existing Rack that should be imported. Refer to the {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack#import import section} in the documentation of this resource for the id to use
  * @param provider? Optional instance of the provider where the Rack to import is found
  */
  public static generateConfigForImport(scope: Construct, importToId: string, importFromId: string, provider?: cdktf.TerraformProvider) {
        return new cdktf.ImportableResource(scope, importToId, { terraformResourceType: "fibrix_rack", importId: importFromId, provider });
      }

  // ===========
  // INITIALIZER
  // ===========

  /**
  * Create a new {@link https://registry.terraform.io/providers/fibrix/fibrix/0.1.0/docs/resources/rack fibrix_rack} Resource
  *
  * @param scope The scope in which to define this construct
  * @param id The scoped construct ID. Must be unique amongst siblings in the same scope
  * @param options RackConfig
  */
  public constructor(scope: Construct, id: string, config: RackConfig) {
    super(scope, id, {
      terraformResourceType: 'fibrix_rack',
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
    this._regionId = config.regionId;
    this._subnet = config.subnet;
    this._dhcpRange.internalValue = config.dhcpRange;
    this._fabricId = config.fabricId;
    this._gateway = config.gateway;
    this._description = config.description;
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

  // region_id - computed: false, optional: false, required: true
  private _regionId?: string; 
  public get regionId() {
    return this.getStringAttribute('region_id');
  }
  public set regionId(value: string) {
    this._regionId = value;
  }
  // Temporarily expose input value. Use with caution.
  public get regionIdInput() {
    return this._regionId;
  }

  // subnet - computed: false, optional: false, required: true
  private _subnet?: string; 
  public get subnet() {
    return this.getStringAttribute('subnet');
  }
  public set subnet(value: string) {
    this._subnet = value;
  }
  // Temporarily expose input value. Use with caution.
  public get subnetInput() {
    return this._subnet;
  }

  // dhcp_range - computed: false, optional: false, required: true
  private _dhcpRange = new RackDhcpRangeOutputReference(this, "dhcp_range");
  public get dhcpRange() {
    return this._dhcpRange;
  }
  public putDhcpRange(value: RackDhcpRange) {
    this._dhcpRange.internalValue = value;
  }
  // Temporarily expose input value. Use with caution.
  public get dhcpRangeInput() {
    return this._dhcpRange.internalValue;
  }

  // fabric_id - computed: true, optional: true, required: false
  private _fabricId?: string; 
  public get fabricId() {
    return this.getStringAttribute('fabric_id');
  }
  public set fabricId(value: string) {
    this._fabricId = value;
  }
  public resetFabricId() {
    this._fabricId = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get fabricIdInput() {
    return this._fabricId;
  }

  // gateway - computed: true, optional: true, required: false
  private _gateway?: string; 
  public get gateway() {
    return this.getStringAttribute('gateway');
  }
  public set gateway(value: string) {
    this._gateway = value;
  }
  public resetGateway() {
    this._gateway = undefined;
  }
  // Temporarily expose input value. Use with caution.
  public get gatewayInput() {
    return this._gateway;
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

  // status - computed: true, optional: false, required: false
  public get status() {
    return this.getStringAttribute('status');
  }

  // last_heartbeat - computed: true, optional: false, required: false
  public get lastHeartbeat() {
    return this.getStringAttribute('last_heartbeat');
  }

  // enrollment_token - computed: true, optional: false, required: false
  public get enrollmentToken() {
    return this.getStringAttribute('enrollment_token');
  }

  // =========
  // SYNTHESIS
  // =========

  protected override synthesizeAttributes(): { [name: string]: any } {
    return {
      name: cdktf.stringToTerraform(this._name),
      region_id: cdktf.stringToTerraform(this._regionId),
      subnet: cdktf.stringToTerraform(this._subnet),
      dhcp_range: rackDhcpRangeToTerraform(this._dhcpRange.internalValue),
      fabric_id: cdktf.stringToTerraform(this._fabricId),
      gateway: cdktf.stringToTerraform(this._gateway),
      description: cdktf.stringToTerraform(this._description),
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
      region_id: {
        value: cdktf.stringToHclTerraform(this._regionId),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      subnet: {
        value: cdktf.stringToHclTerraform(this._subnet),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      dhcp_range: {
        value: rackDhcpRangeToHclTerraform(this._dhcpRange.internalValue),
        isBlock: true,
        type: "struct",
        storageClassType: "RackDhcpRange",
      },
      fabric_id: {
        value: cdktf.stringToHclTerraform(this._fabricId),
        isBlock: false,
        type: "simple",
        storageClassType: "string",
      },
      gateway: {
        value: cdktf.stringToHclTerraform(this._gateway),
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
    };

    // remove undefined attributes
    return Object.fromEntries(Object.entries(attrs).filter(([_, value]) => value !== undefined && value.value !== undefined ))
  }
}
